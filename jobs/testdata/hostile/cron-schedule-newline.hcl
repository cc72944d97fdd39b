# want: error "Invalid cron schedule" at 7:16
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  cron "nightly" {
    schedule = "@daily\nX-Injected: 1"
    command  = ["python3", "job.py"]
  }
}
