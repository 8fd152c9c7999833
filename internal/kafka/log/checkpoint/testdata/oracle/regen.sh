#!/bin/sh
# Rebuilds expected.txt from corpus.txt with a JDK and Jackson (Debian's
# libjackson2-*-java; Kafka 3.9 ships Jackson 2.16, same behaviour here).
set -e
cd "$(dirname "$0")"
J=/usr/share/maven-repo/com/fasterxml/jackson/core
CP=$J/jackson-databind/2.x/jackson-databind-2.x.jar:$J/jackson-core/2.x/jackson-core-2.x.jar:$J/jackson-annotations/2.x/jackson-annotations-2.x.jar
tmp=$(mktemp -d)
javac -d "$tmp" -cp "$CP" Oracle.java
java -cp "$tmp:$CP" Oracle corpus.txt > expected.txt
rm -rf "$tmp"
