# A small Django project: one model, migrations, admin, static files.
# Its settings read everything from the environment (see README.md here).
site "django" {
  domains = ["django.localhost", "www.django.localhost"]
  app     = "."
  wsgi    = "mysite.wsgi:application"

  # Run before gunicorn starts, once per version and code on each node (a
  # wake restores its output instead); a failure fails the deploy. Each
  # command is an argv list: no shell parses it.
  release = [
    ["python3", "manage.py", "migrate", "--noinput"],
    ["python3", "manage.py", "collectstatic", "--noinput"],
  ]

  process "web" {
    instances = 1
    workers   = 2
  }

  health {
    path = "/healthz"
  }

  # A Postgres role and database of its own (DATABASE_URL, PG* reach every
  # process; the password lives in Nomad Variables), and a btrfs subvolume
  # with a quota as MEDIA_ROOT, served by the router at /media/.
  database {
    connection_limit = 10
  }
  media {
    quota = "256MiB"
  }
}
