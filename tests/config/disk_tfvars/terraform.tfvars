env            = "dev"
instance_count = 2
