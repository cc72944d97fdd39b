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
