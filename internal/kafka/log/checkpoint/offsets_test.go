package checkpoint

import (
	"errors"
	"maps"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/wharf-project/wharf/internal/vfs"
)

func TestOffsetsGolden(t *testing.T) {
	// Sorted by topic, then partition (numerically), whatever the map order.
	offsets := map[TopicPartition]int64{
		{"foo", 10}: 5, {"foo", 2}: 15, {"bar", 3}: 20, {"__consumer_offsets", 0}: 0, {"foo", -1}: -1,
	}
	want := "0\n5\n__consumer_offsets 0 0\nbar 3 20\nfoo -1 -1\nfoo 2 15\nfoo 10 5\n"
	for range 5 {
		got, err := EncodeOffsets(offsets)
		if err != nil || string(got) != want {
			t.Fatalf("got %q, %v; want %q", got, err, want)
		}
	}
	if got, _ := EncodeOffsets(nil); string(got) != "0\n0\n" {
		t.Fatalf("empty: %q", got)
	}
}

func TestOffsetsDecode(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want map[TopicPartition]int64
		err  error
	}{
		{"empty file", "", map[TopicPartition]int64{}, nil},
		{"Kafka's example", "0\n2\ntp1 1 1\ntp1 2 2\n", map[TopicPartition]int64{{"tp1", 1}: 1, {"tp1", 2}: 2}, nil},
		{"any order, tabs, trailing blanks", "0\n2\nz\t7\t70 \na 0 1\n", map[TopicPartition]int64{{"z", 7}: 70, {"a", 0}: 1}, nil},
		{"duplicate: last wins, both counted", "0\n2\na 0 1\na 0 9\n", map[TopicPartition]int64{{"a", 0}: 9}, nil},
		// " 0 5" splits into "", "0", "5": Kafka reads the empty topic.
		{"leading blank gives the empty topic", "0\n1\n 0 5\n", map[TopicPartition]int64{{"", 0}: 5}, nil},
		{"non-ASCII topic", "0\n1\nt\u00e9st 0 5\n", map[TopicPartition]int64{{"t\u00e9st", 0}: 5}, nil},
		{"two fields", "0\n1\nfoo 0\n", nil, ErrMalformed},
		{"partition not an int", "0\n1\nfoo x 5\n", nil, ErrMalformed},
		{"partition overflows", "0\n1\nfoo 2147483648 5\n", nil, ErrMalformed},
		{"offset overflows", "0\n1\nfoo 0 9223372036854775808\n", nil, ErrMalformed},
		{"trailing blank line", "0\n1\nfoo 0 5\n\n", nil, ErrMalformed},
		{"wrong count", "0\n3\nfoo 0 5\n", nil, ErrEntryCount},
		{"version 1", "1\n0\n", nil, ErrVersion},
	} {
		got, err := DecodeOffsets([]byte(tc.in), "LOC")
		if !errors.Is(err, tc.err) || (tc.err == nil && !maps.Equal(got, tc.want)) {
			t.Errorf("%s: got %v, %v; want %v, %v", tc.name, got, err, tc.want, tc.err)
		}
	}
}

func TestOffsetsRefuseUnreadableTopics(t *testing.T) {
	for _, topic := range []string{"", "a b", "a\tb", "a\nb", "a\rb", "a\vb", "a\fb", "\xff"} {
		_, err := EncodeOffsets(map[TopicPartition]int64{{topic, 0}: 1})
		if !errors.Is(err, ErrInvalidEntry) {
			t.Errorf("topic %q: %v", topic, err)
		}
	}
	fsys := vfs.NewMem()
	mkdirs(t, fsys, "/logs")
	f, err := OpenOffsetFile(fsys, "/logs/"+RecoveryPointCheckpointFileName)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Write(map[TopicPartition]int64{{"ok", 0}: 1}); err != nil {
		t.Fatal(err)
	}
	if err := f.Write(map[TopicPartition]int64{{"not ok", 0}: 1}); !errors.Is(err, ErrInvalidEntry) {
		t.Fatalf("Write: %v", err)
	}
	if got := string(mustRead(t, fsys, f.Path())); got != "0\n1\nok 0 1\n" {
		t.Fatalf("file changed by a refused write: %q", got)
	}
}

func TestOffsetsRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	fsys := vfs.NewMem()
	mkdirs(t, fsys, "/logs")
	for _, name := range []string{RecoveryPointCheckpointFileName, LogStartOffsetCheckpointFileName,
		ReplicationOffsetCheckpointFileName, CleanerOffsetCheckpointFileName} {
		f, err := OpenOffsetFile(fsys, "/logs/"+name)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := f.Read(); err != nil || len(got) != 0 {
			t.Fatalf("%s: new file reads %v, %v", name, got, err)
		}
		for range 20 {
			want := map[TopicPartition]int64{}
			for range r.IntN(50) {
				tp := TopicPartition{"topic." + strconv.Itoa(r.IntN(5)) + "_x-" + strconv.Itoa(r.IntN(3)), r.Int32() - r.Int32()}
				want[tp] = r.Int64() - r.Int64()
			}
			if err := f.Write(want); err != nil {
				t.Fatal(err)
			}
			got, err := f.Read()
			if err != nil || !maps.Equal(got, want) {
				t.Fatalf("%s: read %v, %v; want %v", name, got, err, want)
			}
		}
	}
}

func TestTopicPartition(t *testing.T) {
	if s := (TopicPartition{"orders", 12}).String(); s != "orders-12" {
		t.Fatalf("String = %q", s)
	}
	a, b := TopicPartition{"a", 10}, TopicPartition{"a", 9}
	if a.Compare(b) != 1 || b.Compare(a) != -1 || a.Compare(a) != 0 || (TopicPartition{"a", 99}).Compare(TopicPartition{"b", 0}) != -1 {
		t.Fatal("Compare")
	}
}

func TestOffsetsCrashSafety(t *testing.T) {
	path := "/logs/" + ReplicationOffsetCheckpointFileName
	c := writeCase{
		name: "offsets", file: path,
		setup: func(t *testing.T, fsys vfs.FS) {
			mkdirs(t, fsys, "/logs")
			f, err := OpenOffsetFile(fsys, path)
			if err == nil {
				err = f.Write(map[TopicPartition]int64{{"a", 0}: 10, {"b", 1}: 20})
			}
			if err != nil {
				t.Fatal(err)
			}
		},
		write: func(fsys vfs.FS) error {
			f, err := OpenOffsetFile(fsys, path)
			if err != nil {
				return err
			}
			return f.Write(map[TopicPartition]int64{{"a", 0}: 11, {"b", 1}: 20, {"c", 2}: 0})
		},
	}
	checkCrashes(t, c)
	checkErrors(t, c)
}
