# want: error "Nesting too deep" at 3:371
locals {
  x = "%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }%{ if true }x%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }%{ endif }"
}
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
}
