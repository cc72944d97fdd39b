# want: error "Value too large" at 19:18
locals {
  l0 = "xxxxxxxxxxxxxxxx"
  l1 = join("", [local.l0, local.l0])
  l2 = join("", [local.l1, local.l1])
  l3 = join("", [local.l2, local.l2])
  l4 = join("", [local.l3, local.l3])
  l5 = join("", [local.l4, local.l4])
  l6 = join("", [local.l5, local.l5])
  l7 = join("", [local.l6, local.l6])
  l8 = join("", [local.l7, local.l7])
  l9 = join("", [local.l8, local.l8])
  l10 = join("", [local.l9, local.l9])
  l11 = join("", [local.l10, local.l10])
  l12 = join("", [local.l11, local.l11])
  l13 = join("", [local.l12, local.l12])
  l14 = join("", [local.l13, local.l13])
  l15 = join("", [local.l14, local.l14])
  l16 = join("", [local.l15, local.l15])
  l17 = join("", [local.l16, local.l16])
  l18 = join("", [local.l17, local.l17])
  l19 = join("", [local.l18, local.l18])
  l20 = join("", [local.l19, local.l19])
  l21 = join("", [local.l20, local.l20])
  l22 = join("", [local.l21, local.l21])
  l23 = join("", [local.l22, local.l22])
  l24 = join("", [local.l23, local.l23])
  l25 = join("", [local.l24, local.l24])
  l26 = join("", [local.l25, local.l25])
  l27 = join("", [local.l26, local.l26])
  l28 = join("", [local.l27, local.l27])
  l29 = join("", [local.l28, local.l28])
  l30 = join("", [local.l29, local.l29])
  l31 = join("", [local.l30, local.l30])
  l32 = join("", [local.l31, local.l31])
  l33 = join("", [local.l32, local.l32])
  l34 = join("", [local.l33, local.l33])
  l35 = join("", [local.l34, local.l34])
  l36 = join("", [local.l35, local.l35])
  l37 = join("", [local.l36, local.l36])
  l38 = join("", [local.l37, local.l37])
  l39 = join("", [local.l38, local.l38])
  l40 = join("", [local.l39, local.l39])
}
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  env {
    X = local.l40
  }
}
