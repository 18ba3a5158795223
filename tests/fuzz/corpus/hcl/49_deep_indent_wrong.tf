        resource "a" "b" {
                x = 1
                        y {
          z = 2
                }
    }
