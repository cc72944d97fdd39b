# want: error "Call to unknown function" at 7:9
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  env {
    X = env("NOMAD_TOKEN")
  }
}
