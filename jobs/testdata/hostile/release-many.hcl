# want: error "Limit exceeded" at 23:5
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  release = [
    ["python3", "manage.py", "check"],
    ["python3", "manage.py", "check"],
    ["python3", "manage.py", "check"],
    ["python3", "manage.py", "check"],
    ["python3", "manage.py", "check"],
    ["python3", "manage.py", "check"],
    ["python3", "manage.py", "check"],
    ["python3", "manage.py", "check"],
    ["python3", "manage.py", "check"],
    ["python3", "manage.py", "check"],
    ["python3", "manage.py", "check"],
    ["python3", "manage.py", "check"],
    ["python3", "manage.py", "check"],
    ["python3", "manage.py", "check"],
    ["python3", "manage.py", "check"],
    ["python3", "manage.py", "check"],
    ["python3", "manage.py", "check"],
  ]
}
