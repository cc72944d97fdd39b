# want: ok
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
}
