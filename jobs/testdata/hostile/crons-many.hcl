# want: error "Limit exceeded" at 70:8
site "hello" {
  domains = ["hello.example.com"]
  wsgi    = "app:application"
  app     = "app"
  cron "c0" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c1" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c2" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c3" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c4" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c5" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c6" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c7" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c8" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c9" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c10" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c11" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c12" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c13" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c14" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c15" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c16" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c17" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c18" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c19" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c20" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c21" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c22" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c23" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c24" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c25" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c26" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c27" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c28" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c29" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c30" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c31" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c32" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c33" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c34" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c35" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c36" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c37" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c38" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c39" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c40" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c41" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c42" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c43" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c44" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c45" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c46" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c47" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c48" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c49" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c50" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c51" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c52" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c53" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c54" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c55" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c56" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c57" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c58" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c59" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c60" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c61" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c62" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c63" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c64" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c65" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c66" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c67" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c68" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c69" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c70" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c71" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c72" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c73" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c74" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c75" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c76" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c77" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c78" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c79" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c80" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c81" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c82" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c83" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c84" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c85" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c86" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c87" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c88" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c89" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c90" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c91" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c92" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c93" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c94" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c95" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c96" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c97" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c98" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c99" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c100" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c101" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c102" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c103" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c104" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c105" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c106" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c107" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c108" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c109" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c110" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c111" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c112" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c113" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c114" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c115" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c116" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c117" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c118" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c119" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c120" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c121" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c122" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c123" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c124" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c125" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c126" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c127" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c128" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c129" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c130" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c131" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c132" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c133" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c134" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c135" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c136" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c137" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c138" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c139" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c140" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c141" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c142" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c143" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c144" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c145" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c146" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c147" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c148" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c149" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c150" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c151" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c152" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c153" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c154" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c155" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c156" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c157" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c158" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c159" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c160" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c161" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c162" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c163" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c164" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c165" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c166" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c167" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c168" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c169" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c170" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c171" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c172" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c173" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c174" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c175" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c176" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c177" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c178" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c179" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c180" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c181" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c182" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c183" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c184" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c185" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c186" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c187" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c188" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c189" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c190" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c191" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c192" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c193" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c194" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c195" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c196" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c197" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c198" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
  cron "c199" {
    schedule = "@hourly"
    command  = ["python3", "job.py"]
  }
}
