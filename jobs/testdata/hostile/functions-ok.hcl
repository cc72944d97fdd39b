# want: ok
variable "env_name" {
  default = "staging"
}

locals {
  names  = ["a", "b", "c"]
  ports  = "8000,8001"
  m      = { x = "1", y = "2" }
  joined = join(",", [for n in local.names : upper(n)])
}
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  env {
    A = local.joined
    B = format("%s-%05d-%.2f", lower(var.env_name), 7, 3.14159)
    C = join(";", formatlist("%s=%s", keys(local.m), values(local.m)))
    D = replace(title("hello world"), "World", "there")
    E = trimspace(trimprefix(trimsuffix("  pre-x-post  ", "post  "), "  pre"))
    F = substr("abcdef", 1, 3)
    G = strlen("héllo") + length(local.names)
    H = join(",", concat(split(",", local.ports), ["8002"]))
    I = join(",", distinct(flatten([local.names, ["a"]])))
    J = element(local.names, 1)
    K = contains(local.names, "b")
    L = lookup(local.m, "x", "none")
    M = join(",", keys(merge(local.m, { z = "3" })))
    N = join(",", [for p in split(",", local.ports) : tonumber(p) + 1])
    O = min(3, 1, 2) + max(3, 1, 2)
    P = coalesce("", "fallback")
    Q = tostring(12)
    R = join(",", range(0, 10, 2))
    S = format("%v", [for i in range(3) : i * 2])
    T = join(",", local.names[*])
  }
}
