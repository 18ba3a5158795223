tags = {
  Team = "platform"
}
