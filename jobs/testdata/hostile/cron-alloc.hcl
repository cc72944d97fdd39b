# want: error "Invalid cron name" at 6:8
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  cron "alloc" {
    schedule = "@daily"
    command  = ["python3", "job.py"]
  }
}
