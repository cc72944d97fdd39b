# want: error "Value too large" at 3:7
locals {
  x = join("", flatten([for i in range(100) : [for j in range(100) : "x"]]))
}
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
}
