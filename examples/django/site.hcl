# A small Django project: one model, migrations, admin, static files.
# Its settings read everything from the environment (see README.md here).
site "django" {
  domains = ["django.localhost", "www.django.localhost"]
  app     = "."
  wsgi    = "mysite.wsgi:application"

  process "web" {
    instances = 1
    workers   = 2
  }

  health {
    path = "/healthz"
  }
}
