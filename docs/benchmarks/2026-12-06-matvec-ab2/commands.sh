#!/bin/bash
# Second sitting of the A/B: scalar and vector providers, base against final, alternating.
# /tmp/cli-base.jar: 8f3ab64 (before the format redesign); /tmp/cli-final.jar: the commit under test,
# each built with `mvn -DskipTests -pl cli -am package`. The first sitting ran ../2026-12-06-matvec-ab/commands.sh.
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
out=/tmp/ab4/runs; mkdir -p $out
for round in 1 2 3; do
  for n in 384 4096; do
    [ $n = 4096 ] && [ $round = 3 ] && continue
    for P in scalar vector; do
      for jar in base final; do
        $J --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -jar /tmp/cli-$jar.jar bench matvec --rows $n --cols $n --density 1 --values 16 --provider $P --json > $out/$n-$P-$jar-$round.json 2>/dev/null
      done
    done
  done
done
