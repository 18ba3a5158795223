o = {a = 1, "b": 2, (c) = 3
 d = {e = [for x in y : x if x]}}
