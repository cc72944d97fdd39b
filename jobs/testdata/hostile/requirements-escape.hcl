# want: error "Invalid requirements" at 6:18
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  requirements = "../../../etc/passwd"
}
