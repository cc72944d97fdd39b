# want: error "Limit exceeded" at 30:11
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  process "p0" {
    command = ["python3", "worker.py"]
  }
  process "p1" {
    command = ["python3", "worker.py"]
  }
  process "p2" {
    command = ["python3", "worker.py"]
  }
  process "p3" {
    command = ["python3", "worker.py"]
  }
  process "p4" {
    command = ["python3", "worker.py"]
  }
  process "p5" {
    command = ["python3", "worker.py"]
  }
  process "p6" {
    command = ["python3", "worker.py"]
  }
  process "p7" {
    command = ["python3", "worker.py"]
  }
  process "p8" {
    command = ["python3", "worker.py"]
  }
}
