# want: error "Limit exceeded" at 18:10
locals {
  k = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
}
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  env {
    X0 = join("", [for i in range(100) : local.k])
    X1 = join("", [for i in range(100) : local.k])
    X2 = join("", [for i in range(100) : local.k])
    X3 = join("", [for i in range(100) : local.k])
    X4 = join("", [for i in range(100) : local.k])
    X5 = join("", [for i in range(100) : local.k])
    X6 = join("", [for i in range(100) : local.k])
    X7 = join("", [for i in range(100) : local.k])
    X8 = join("", [for i in range(100) : local.k])
    X9 = join("", [for i in range(100) : local.k])
  }
}
