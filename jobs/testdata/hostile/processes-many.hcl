# want: error "Limit exceeded" at 8:17
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  process "p0" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p1" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p2" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p3" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p4" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p5" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p6" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p7" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p8" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p9" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p10" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p11" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p12" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p13" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p14" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p15" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p16" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p17" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p18" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p19" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p20" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p21" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p22" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p23" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p24" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p25" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p26" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p27" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p28" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p29" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p30" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p31" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p32" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p33" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p34" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p35" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p36" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p37" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p38" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p39" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p40" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p41" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p42" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p43" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p44" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p45" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p46" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p47" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p48" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p49" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p50" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p51" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p52" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p53" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p54" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p55" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p56" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p57" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p58" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p59" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p60" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p61" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p62" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p63" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p64" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p65" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p66" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p67" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p68" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p69" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p70" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p71" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p72" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p73" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p74" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p75" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p76" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p77" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p78" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p79" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p80" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p81" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p82" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p83" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p84" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p85" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p86" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p87" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p88" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p89" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p90" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p91" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p92" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p93" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p94" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p95" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p96" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p97" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p98" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p99" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p100" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p101" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p102" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p103" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p104" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p105" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p106" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p107" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p108" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p109" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p110" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p111" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p112" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p113" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p114" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p115" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p116" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p117" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p118" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p119" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p120" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p121" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p122" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p123" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p124" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p125" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p126" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p127" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p128" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p129" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p130" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p131" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p132" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p133" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p134" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p135" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p136" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p137" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p138" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p139" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p140" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p141" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p142" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p143" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p144" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p145" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p146" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p147" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p148" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p149" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p150" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p151" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p152" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p153" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p154" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p155" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p156" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p157" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p158" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p159" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p160" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p161" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p162" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p163" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p164" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p165" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p166" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p167" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p168" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p169" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p170" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p171" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p172" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p173" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p174" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p175" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p176" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p177" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p178" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p179" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p180" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p181" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p182" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p183" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p184" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p185" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p186" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p187" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p188" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p189" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p190" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p191" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p192" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p193" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p194" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p195" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p196" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p197" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p198" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
  process "p199" {
    command   = ["python3", "worker.py"]
    instances = 64
  }
}
