# want: ok
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  release = [["python3", "-c", "import sys\nprint(sys.argv)"]]
}
