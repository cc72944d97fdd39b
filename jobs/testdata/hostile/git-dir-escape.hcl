# want: error "Invalid source dir" at 8:11
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  source {
    git = "https://git.example.com/r.git"
    ref = "main"
    dir = "../.."
  }
}
