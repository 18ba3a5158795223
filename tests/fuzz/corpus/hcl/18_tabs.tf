block {
	a = 1
		bb = 2
	inner {
		c = 3
	}
}
