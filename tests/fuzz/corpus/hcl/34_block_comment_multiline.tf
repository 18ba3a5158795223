/*
 * A header comment
 *   with indentation kept
 */
resource "x" "y" {
  /* inside */
  a = 1
}
