x = a[*].b.c[0]
y = a.*.b.0
z = f(xs...)
