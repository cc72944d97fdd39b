# want: ok
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  env {
    X = "$(rm -rf /); `id`"
    Y = "line one\nline two"
    Z = 42
    W = 0.25
    B = true
  }
}
