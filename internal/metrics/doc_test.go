package metrics

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var updateDoc = flag.Bool("update-doc", false, "rewrite the metric table in doc.go")

const (
	tableStart = "//\t| metric | labels | type | meaning | Kafka MBean |\n"
	tableEnd   = "//\n// End of table."
)

// labelSets renders a family's label sets: "-" for none, sets joined by
// " or ".
func labelSets(f *family) string {
	var sets []string
	for _, set := range f.labels {
		if len(set) == 0 {
			sets = append(sets, "-")
		} else {
			sets = append(sets, strings.Join(set, ","))
		}
	}
	return strings.Join(sets, " or ")
}

// docTable renders allFamilies as the table doc.go carries.
func docTable() string {
	var b strings.Builder
	b.WriteString(tableStart)
	b.WriteString("//\t|---|---|---|---|---|\n")
	for _, f := range allFamilies() {
		b.WriteString("//\t| " + f.name + " | " + labelSets(f) + " | " + f.typeName() + " | " + f.help + " | " + f.mbean + " |\n")
	}
	return b.String()
}

func TestDocTableMatchesFamilies(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(src)
	i, j := strings.Index(doc, tableStart), strings.Index(doc, tableEnd)
	if i < 0 || j < i {
		t.Fatal("doc.go has no metric table")
	}
	want := docTable()
	if doc[i:j] == want {
		return
	}
	if *updateDoc {
		if err := os.WriteFile("doc.go", []byte(doc[:i]+want+doc[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("doc.go's table differs from the families (go test -run DocTable -update-doc):\n%s", want)
}
