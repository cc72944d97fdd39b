# want: error "Secret shadows env" at 6:14
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  secrets = ["A"]
  env {
    A = "1"
  }
}
