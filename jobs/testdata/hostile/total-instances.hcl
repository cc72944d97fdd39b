# want: error "Limit exceeded" at 19:17
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  process "web" {
    instances = 8
  }
  process "p0" {
    command   = ["python3", "worker.py"]
    instances = 4
  }
  process "p1" {
    command   = ["python3", "worker.py"]
    instances = 4
  }
  process "p2" {
    command   = ["python3", "worker.py"]
    instances = 4
  }
}
