import os

from django.core.files.storage import default_storage
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .models import Note


@require_http_methods(["GET", "POST"])
def index(request):
    if request.method == "POST":
        text = request.POST.get("text", "").strip()
        if text:
            Note.objects.create(text=text[:1000])
        # Redirect after POST so a reload doesn't resubmit the form.
        return redirect("index")
    return render(request, "notes/index.html", {"notes": Note.objects.all()[:100]})


@require_http_methods(["POST"])
def upload(request):
    """Stores an uploaded file in MEDIA_ROOT (the site's media store on
    hostctl) and answers with the URL it is served at."""
    f = request.FILES.get("file")
    if f is None:
        return HttpResponseBadRequest("no file\n")
    name = default_storage.save("uploads/" + os.path.basename(f.name), f)
    return HttpResponse(default_storage.url(name) + "\n", status=201, content_type="text/plain")
