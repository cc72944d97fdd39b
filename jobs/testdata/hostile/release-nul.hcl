# want: error "Invalid command" at 6:32
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  release = [["python3", "-c", "print(1)\u0000"]]
}
