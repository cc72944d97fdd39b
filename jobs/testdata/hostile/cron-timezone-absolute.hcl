# want: error "Invalid cron timezone" at 8:16
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  cron "nightly" {
    schedule = "@daily"
    timezone = "/etc/localtime"
    command  = ["python3", "job.py"]
  }
}
