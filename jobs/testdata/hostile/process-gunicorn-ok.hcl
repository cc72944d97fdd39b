# want: ok
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  process "gunicorn" {
    command = ["python3", "worker.py"]
  }
}
