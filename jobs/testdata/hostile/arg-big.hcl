# want: error "Limit exceeded" at 7:27
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  process "worker" {
    command = ["python3", join("", [for i in range(500) : "xxxxxxxxxx"])]
  }
}
