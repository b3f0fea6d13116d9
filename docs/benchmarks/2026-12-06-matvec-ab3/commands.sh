#!/bin/bash
# Third sitting of the A/B: every provider, both shapes, three rounds, the jar that runs first
# swapped every round. /tmp/cli-base.jar: 8f3ab64 (before the format redesign); /tmp/cli-main.jar:
# the commit under test; each built with `mvn -DskipTests -pl cli -am package`.
J=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
out=${OUT:-/tmp/ab6/runs}; mkdir -p $out
for round in 1 2 3; do
  order="base main"; [ $((round % 2)) = 0 ] && order="main base"
  for n in 384 4096; do
    for P in scalar vector native; do
      for jar in $order; do
        $J $JVM_FLAGS --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -jar /tmp/cli-$jar.jar \
          bench matvec --rows $n --cols $n --density 1 --values 16 --provider $P --json > $out/$n-$P-$jar-$round.json 2>/dev/null
      done
    done
  done
done
