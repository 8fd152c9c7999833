package cli

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/wharf-project/wharf/internal/javafmt"
)

// What ConsumerGroupCommand's output inherits from the JVM: the iteration
// order of java.util.HashMap/HashSet (the command prints several of its
// maps as they iterate), String.hashCode, the texts of exceptions, and the
// parsers of --to-datetime and --by-duration.

// tpHash is TopicPartition.hashCode.
func tpHash(tp groupTP) int32 {
	return 31*(31+tp.partition) + javafmt.StringHash(tp.topic)
}

// cgHashMapOrder orders distinct keys as a HashMap grown by putting them in
// this order iterates.
func cgHashMapOrder[T any](keys []T, hash func(T) int32) []T {
	return javafmt.HashOrder(keys, hash, javafmt.HashCapacity(16, len(keys)))
}

func stringsHashOrder(keys []string) []string { return cgHashMapOrder(keys, javafmt.StringHash) }

func tpHashOrder(tps []groupTP) []groupTP { return cgHashMapOrder(tps, tpHash) }

// cgErrorClasses names the exception classes of the Kafka errors the
// command meets whose class is not the error name in camel case.
var cgErrorClasses = map[int16]string{
	kerr.NonEmptyGroup.Code:             "GroupNotEmptyException",
	kerr.GroupIDNotFound.Code:           "GroupIdNotFoundException",
	kerr.UnknownTopicOrPartition.Code:   "UnknownTopicOrPartitionException",
	kerr.GroupAuthorizationFailed.Code:  "GroupAuthorizationException",
	kerr.TopicAuthorizationFailed.Code:  "TopicAuthorizationException",
	kerr.UnknownServerError.Code:        "UnknownServerException",
	kerr.RequestTimedOut.Code:           "TimeoutException",
	kerr.InvalidCommitOffsetSize.Code:   "InvalidCommitOffsetSizeException",
	kerr.UnstableOffsetCommit.Code:      "UnstableOffsetCommitException",
	kerr.UnsupportedVersion.Code:        "UnsupportedVersionException",
	kerr.GroupSubscribedToTopic.Code:    "GroupSubscribedToTopicException",
	kerr.CoordinatorNotAvailable.Code:   "CoordinatorNotAvailableException",
	kerr.CoordinatorLoadInProgress.Code: "CoordinatorLoadInProgressException",
}

// cgException is Throwable.toString of the exception the Java admin
// client raises for err: "org.apache.kafka.common.errors.XException: msg".
func cgException(err error) string {
	if err == nil {
		return "null"
	}
	var ke *kerr.Error
	if !errors.As(err, &ke) {
		return err.Error()
	}
	class, ok := cgErrorClasses[ke.Code]
	if !ok {
		for _, w := range strings.Split(strings.ToLower(ke.Message), "_") {
			if w != "" {
				class += strings.ToUpper(w[:1]) + w[1:]
			}
		}
		class += "Exception"
	}
	return "org.apache.kafka.common.errors." + class + ": " + ke.Description
}

// cgExecutionException is ExecutionException.toString for a failed future.
func cgExecutionException(err error) string {
	return "java.util.concurrent.ExecutionException: " + cgException(err)
}

// cgDurationRE is java.time.Duration.parse.
var cgDurationRE = regexp.MustCompile(`(?i)^([-+]?)P(?:([-+]?[0-9]+)D)?(T(?:([-+]?[0-9]+)H)?(?:([-+]?[0-9]+)M)?(?:([-+]?[0-9]+)(?:[.,]([0-9]{0,9}))?S)?)?$`)

var errDurationText = errors.New("Text cannot be parsed to a Duration")

func parseJavaDuration(s string) (time.Duration, error) {
	m := cgDurationRE.FindStringSubmatch(s)
	if m == nil || m[3] == "T" || (m[2] == "" && m[3] == "") {
		return 0, errDurationText
	}
	num := func(v string, unit int64) (int64, error) {
		if v == "" {
			return 0, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, errDurationText
		}
		return n * unit, nil
	}
	var total int64 // seconds
	for i, unit := range map[int]int64{2: 86400, 4: 3600, 5: 60, 6: 1} {
		n, err := num(m[i], unit)
		if err != nil {
			return 0, err
		}
		total += n
	}
	nanos := int64(0)
	if m[7] != "" {
		frac := (m[7] + "000000000")[:9]
		nanos, _ = strconv.ParseInt(frac, 10, 64)
		if strings.HasPrefix(m[6], "-") {
			nanos = -nanos
		}
	}
	d := time.Duration(total)*time.Second + time.Duration(nanos)
	if m[1] == "-" {
		d = -d
	}
	return d, nil
}

// cgDateTimeRE is the strict "yyyy-MM-dd'T'HH:mm:ss.SSS" with an ISO 8601
// zone (X or XXX) of Utils.getDateTime.
var cgDateTimeRE = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})(Z|[+-]\d{2}(?::?\d{2})?)$`)

// parseKafkaDateTime is Utils.getDateTime: epoch milliseconds, or the
// ParseException's toString.
func parseKafkaDateTime(ts string) (int64, error) {
	parts := strings.Split(ts, "T")
	if len(parts) < 2 {
		return 0, errors.New("java.text.ParseException: Error parsing timestamp. It does not contain a 'T' according to ISO8601 format")
	}
	if !strings.ContainsAny(parts[1], "+-Z") {
		ts += "Z"
	}
	unparseable := fmt.Errorf("java.text.ParseException: Unparseable date: %q", ts)
	m := cgDateTimeRE.FindStringSubmatch(ts)
	if m == nil {
		return 0, unparseable
	}
	n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
	zone := m[8]
	off := 0
	if zone != "Z" {
		z := strings.ReplaceAll(zone[1:], ":", "")
		h, _ := strconv.Atoi(z[:2])
		mins := 0
		if len(z) == 4 {
			mins, _ = strconv.Atoi(z[2:])
		}
		if h > 23 || mins > 59 {
			return 0, unparseable
		}
		off = h*3600 + mins*60
		if zone[0] == '-' {
			off = -off
		}
	}
	t := time.Date(n(1), time.Month(n(2)), n(3), n(4), n(5), n(6), n(7)*int(time.Millisecond), time.FixedZone("", off))
	// non-lenient: every field must be in range
	if t.Month() != time.Month(n(2)) || t.Day() != n(3) || t.Hour() != n(4) || t.Minute() != n(5) || t.Second() != n(6) {
		return 0, unparseable
	}
	return t.UnixMilli(), nil
}

// cgCSVField is a value as Jackson's CSV writer writes it: quoted when it
// holds the separator, a quote or a line break.
func cgCSVField(s string) string {
	if strings.ContainsAny(s, ",\"\r\n") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// cgSplitCSV splits one line of a reset plan as Jackson reads it:
// fields separated by commas, optionally quoted.
func cgSplitCSV(line string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quoted && c == '"' && i+1 < len(line) && line[i+1] == '"':
			cur.WriteByte('"')
			i++
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(out, cur.String())
}
