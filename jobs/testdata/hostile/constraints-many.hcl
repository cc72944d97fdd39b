# want: error "Limit exceeded" at 70:3
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  constraint {
    attribute = "attr.kernel.name"
    value     = "linux"
  }
  constraint {
    attribute = "attr.kernel.name"
    value     = "linux"
  }
  constraint {
    attribute = "attr.kernel.name"
    value     = "linux"
  }
  constraint {
    attribute = "attr.kernel.name"
    value     = "linux"
  }
  constraint {
    attribute = "attr.kernel.name"
    value     = "linux"
  }
  constraint {
    attribute = "attr.kernel.name"
    value     = "linux"
  }
  constraint {
    attribute = "attr.kernel.name"
    value     = "linux"
  }
  constraint {
    attribute = "attr.kernel.name"
    value     = "linux"
  }
  constraint {
    attribute = "attr.kernel.name"
    value     = "linux"
  }
  constraint {
    attribute = "attr.kernel.name"
    value     = "linux"
  }
  constraint {
    attribute = "attr.kernel.name"
    value     = "linux"
  }
  constraint {
    attribute = "attr.kernel.name"
    value     = "linux"
  }
  constraint {
    attribute = "attr.kernel.name"
    value     = "linux"
  }
  constraint {
    attribute = "attr.kernel.name"
    value     = "linux"
  }
  constraint {
    attribute = "attr.kernel.name"
    value     = "linux"
  }
  constraint {
    attribute = "attr.kernel.name"
    value     = "linux"
  }
  constraint {
    attribute = "attr.kernel.name"
    value     = "linux"
  }
}
