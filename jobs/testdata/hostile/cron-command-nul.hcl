# want: error "Invalid command" at 8:17
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  cron "nightly" {
    schedule = "@daily"
    command  = ["python3\u0000", "job.py"]
  }
}
