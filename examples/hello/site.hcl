# The example site scripts/demo applies. Every field is documented in
# docs/site-spec.md.
site "hello" {
  domains = ["hello.localhost"]
  app     = "."               # its directory in the source tree ($HOSTCTL_SOURCE_ROOT/hello)
  wsgi    = "app:application" # module:callable gunicorn imports

  process "web" {
    instances = 1
    workers   = 2
  }

  health {
    path = "/healthz"
  }
}
