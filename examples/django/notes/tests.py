import os

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import TestCase, override_settings

from .models import Note


class IndexViewTests(TestCase):
    def test_lists_created_note(self):
        Note.objects.create(text="hello from a test")
        response = self.client.get("/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "<title>hostctl django example</title>", html=False)
        self.assertContains(response, "hello from a test")
        self.assertContains(response, "/static/notes/style.css")

    def test_post_creates_note_and_redirects(self):
        response = self.client.post("/", {"text": "posted note"})
        self.assertRedirects(response, "/")
        self.assertTrue(Note.objects.filter(text="posted note").exists())


class UploadTests(TestCase):
    def test_upload_lands_in_media_root(self):
        import tempfile

        from django.core.files.uploadedfile import SimpleUploadedFile

        with tempfile.TemporaryDirectory() as media, self.settings(MEDIA_ROOT=media):
            response = self.client.post("/upload", {"file": SimpleUploadedFile("cat.txt", b"meow")})
            self.assertEqual(response.status_code, 201)
            self.assertEqual(response.content.decode().strip(), "/media/uploads/cat.txt")
            with open(os.path.join(media, "uploads", "cat.txt"), "rb") as f:
                self.assertEqual(f.read(), b"meow")

    def test_upload_without_file_is_refused(self):
        self.assertEqual(self.client.post("/upload", {}).status_code, 400)


class HealthzTests(TestCase):
    def test_ok_without_db_queries(self):
        with self.assertNumQueries(0):
            response = self.client.get("/healthz")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/plain")
        self.assertEqual(response.content, b"ok")

    def test_ok_for_host_outside_allowed_hosts(self):
        # Health checkers address the task by IP; that must not become a 400.
        response = self.client.get("/healthz", HTTP_HOST="10.0.0.7:23456")
        self.assertEqual(response.status_code, 200)

    @override_settings(SECURE_SSL_REDIRECT=True)
    def test_not_redirected_to_https(self):
        self.assertEqual(self.client.get("/healthz").status_code, 200)


class AdminTests(TestCase):
    def test_note_registered(self):
        self.assertTrue(admin.site.is_registered(Note))

    def test_changelist_renders(self):
        user = get_user_model().objects.create_superuser("admin", "a@example.com", "pw")
        self.client.force_login(user)
        Note.objects.create(text="visible in admin")
        response = self.client.get("/admin/notes/note/")
        self.assertContains(response, "visible in admin")


class DatabaseUrlTests(TestCase):
    def test_parses_postgres_url(self):
        from mysite.settings import _database_from_url

        db = _database_from_url("postgres://u%40x:p%2Fw@db.internal:6543/app?sslmode=require")
        self.assertEqual(db["ENGINE"], "django.db.backends.postgresql")
        self.assertEqual((db["USER"], db["PASSWORD"]), ("u@x", "p/w"))
        self.assertEqual((db["HOST"], db["PORT"], db["NAME"]), ("db.internal", "6543", "app"))
        self.assertEqual(db["OPTIONS"], {"sslmode": "require"})
