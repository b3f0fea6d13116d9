#!/bin/bash
# A/B of bench matvec: base (8f3ab64, before the format redesign) against final, alternating, one sitting.
J=${JAVA:-java}  # JDK 25; /tmp/cli-base.jar is 8f3ab64 built with `mvn -DskipTests -pl cli -am package`, /tmp/cli-final.jar is 0e62b6c
out=${OUT:-matvec-ab}; mkdir -p $out
for round in 1 2 3; do
  for n in 384 4096; do
    [ $n = 4096 ] && [ $round = 3 ] && continue
    for P in scalar vector native; do
      for jar in base final; do
        $J --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -jar /tmp/cli-$jar.jar bench matvec --rows $n --cols $n --density 1 --values 16 --provider $P --json > $out/$n-$P-$jar-$round.json 2>/dev/null
      done
    done
  done
done

