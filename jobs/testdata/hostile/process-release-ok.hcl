# want: ok
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  process "release" {
    command = ["python3", "worker.py"]
  }
}
