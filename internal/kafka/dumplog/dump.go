package dumplog

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"

	"github.com/wharf-project/wharf/internal/javafmt"
	"github.com/wharf-project/wharf/internal/jopt"
)

// Env is what a run reads and writes. Zero fields take the process's own.
type Env struct {
	Stdout, Stderr io.Writer
	// Cwd resolves relative paths, as File.getAbsolutePath does; "" is the
	// process's working directory.
	Cwd string
	// Decompress inflates compressed batches; nil uses DefaultDecompress.
	Decompress Decompress
}

// Run is `kafka-dump-log.sh args...`: it prints what DumpLogSegments prints
// and returns the exit status the JVM would (1 for usage texts and for an
// uncaught exception, whose first line is printed to stderr).
func Run(args []string, env Env) int {
	if env.Stdout == nil {
		env.Stdout = os.Stdout
	}
	if env.Stderr == nil {
		env.Stderr = os.Stderr
	}
	if env.Cwd == "" {
		env.Cwd, _ = os.Getwd()
	}
	if env.Decompress == nil {
		env.Decompress = DefaultDecompress
	}
	d := &dumper{env: env, out: bufio.NewWriter(env.Stdout), errw: env.Stderr,
		indexMismatches:  newScalaTable[string](),
		indexMismatchLst: map[string][][2]int64{},
		nonConsecutive:   newScalaTable[string](),
		nonConsecutiveL:  map[string][][2]int64{},
		timeErrs:         newTimeIndexErrors(),
	}
	code := d.main(args)
	d.out.Flush()
	return code
}

type dumper struct {
	env  Env
	out  *bufio.Writer
	errw io.Writer
	opts *options

	// DumpLogSegments' report maps: Scala mutable.HashMaps keyed by the
	// absolute path, each list built by prepending.
	indexMismatches  *scalaTable[string]
	indexMismatchLst map[string][][2]int64
	nonConsecutive   *scalaTable[string]
	nonConsecutiveL  map[string][][2]int64
	timeErrs         *timeIndexErrors
}

func (d *dumper) printf(format string, args ...any) { fmt.Fprintf(d.out, format, args...) }

// eprintln writes a line to stderr, after what stdout has so far.
func (d *dumper) eprintln(s string) {
	d.out.Flush()
	fmt.Fprintln(d.errw, s)
}

func (d *dumper) crash(e *JavaException) int {
	d.eprintln(e.Line())
	return 1
}

func (d *dumper) main(args []string) int {
	o := newOptions()
	d.opts = o
	if err := o.parse(args); err != nil {
		return d.crash(err)
	}
	// CommandLineUtils.maybePrintHelpOrVersion, then checkRequiredArgs.
	if o.nargs == 0 || o.set.Has(o.help) {
		return d.usage(helpHeader)
	}
	if o.set.Has(o.version) {
		d.printf("%s\n", KafkaVersion)
		return 0
	}
	if !o.set.Has(o.files) {
		return d.usage(`Missing required argument "[files]"`)
	}
	files, err := o.value(o.files)
	if err != nil {
		return d.crash(err)
	}
	for _, arg := range splitJava(files, ",") {
		if err := d.dumpFile(newJavaFile(arg)); err != nil {
			return d.crash(err)
		}
	}
	d.printReports()
	return 0
}

func (d *dumper) usage(msg string) int {
	d.eprintln(msg)
	d.out.Flush()
	io.WriteString(d.errw, d.opts.parser.Help())
	return 1
}

func (d *dumper) dumpFile(f javaFile) *JavaException {
	d.printf("Dumping %s\n", f)
	name := f.Name()
	dot := strings.LastIndexByte(name, '.')
	if dot < 0 {
		n := javafmt.Len(name)
		return jex(exStringIndex, "begin -1, end %d, length %d", n, n)
	}
	switch name[dot:] {
	case ".log", ".checkpoint":
		return d.dumpLogArgs(f)
	case ".index":
		maxMsg, err := d.opts.intValue(d.opts.maxMessageSize)
		if err != nil {
			return err
		}
		return d.dumpIndex(f, d.opts.set.Has(d.opts.indexSanity), d.opts.set.Has(d.opts.verify), int(maxMsg))
	case ".timeindex":
		return d.dumpTimeIndex(f, d.opts.set.Has(d.opts.indexSanity), d.opts.set.Has(d.opts.verify))
	case ".snapshot":
		return d.dumpProducerSnapshot(f)
	case ".txnindex":
		return d.dumpTxnIndex(f)
	}
	d.eprintln("Ignoring unknown file " + f.String())
	return nil
}

// dumpLogArgs evaluates dumpLog's arguments in the order Scala does.
func (d *dumper) dumpLogArgs(f javaFile) *JavaException {
	o := d.opts
	printContents := o.shouldPrintDataLog()
	deep := o.isDeepIteration()
	parser, err := d.messageParser()
	if err != nil {
		return err
	}
	skip := o.set.Has(o.skipRecordMetadata)
	maxBytes, err := o.intValue(o.maxBytes)
	if err != nil {
		return err
	}
	return d.dumpLog(f, printContents, deep, parser, skip, int(maxBytes))
}

// openSegment is FileChannel.open(file.toPath()) for reading.
func (d *dumper) openSegment(f javaFile) (*segment, func(), *JavaException) {
	p := f.path
	if p == "" {
		p = "."
	}
	if !strings.HasPrefix(p, "/") {
		p = d.env.Cwd + "/" + p
	}
	fh, err := os.Open(p)
	if err != nil {
		return nil, nil, fileException(f.path, err)
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, nil, fileException(f.path, err)
	}
	return &segment{r: fh, file: f, size: st.Size()}, func() { fh.Close() }, nil
}

// fileException is the java.nio exception for a failed open.
func fileException(path string, err error) *JavaException {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return jex(exNoSuchFile, "%s", path)
	case errors.Is(err, fs.ErrPermission):
		return jex(exAccessDenied, "%s", path)
	case errors.Is(err, syscall.ENOTDIR):
		return jex(exFileSystem, "%s: Not a directory", path)
	}
	return jex(exIO, "%s", err.Error())
}

func (d *dumper) dumpLog(f javaFile, printContents, deep bool, parser messageParser, skipMeta bool, maxBytes int) *JavaException {
	name := f.Name()
	switch {
	case strings.HasSuffix(name, ".log"):
		start, err := parseJavaLong(firstDotName(name))
		if err != nil {
			return err
		}
		d.printf("Log starting offset: %d\n", start)
	case strings.HasSuffix(name, ".checkpoint"):
		if name == "bootstrap.checkpoint" {
			d.printf("KRaft bootstrap snapshot\n")
		} else {
			off, epoch, err := parseSnapshotName(name)
			if err != nil {
				return err
			}
			d.printf("Snapshot end offset: %d, epoch: %d\n", off, epoch)
		}
	}
	seg, closeFn, err := d.openSegment(f)
	if err != nil {
		return err
	}
	defer closeFn()
	whole, err := openFileRecords(seg)
	if err != nil {
		return err
	}
	fr, err := whole.slice(0, maxBytes)
	if err != nil {
		return err
	}
	validBytes := 0
	lastOffset := int64(-1)
	err = fr.each(func(b *fileBatch) (bool, *JavaException) {
		if err := d.printBatchLevel(b, validBytes); err != nil {
			return true, err
		}
		if deep {
			err := d.forEachRecord(b, func(r *logRecord) *JavaException {
				if lastOffset == -1 {
					lastOffset = r.offset
				} else if r.offset != lastOffset+1 {
					d.addPair(d.nonConsecutive, d.nonConsecutiveL, f.Abs(d.env.Cwd), lastOffset, r.offset)
				}
				lastOffset = r.offset
				return d.printRecord(b, r, printContents, parser, skipMeta)
			})
			if err != nil {
				return true, err
			}
		}
		validBytes += b.sizeInBytes()
		return false, nil
	})
	if err != nil {
		return err
	}
	if trailing := fr.size - validBytes; trailing > 0 && maxBytes == maxInt32 {
		d.printf("Found %d invalid bytes at the end of %s\n", trailing, name)
	}
	return nil
}

// addPair prepends (a, b) to the list kept under key, as the tool's
// `seq ::= pair; map.put(key, seq)` does.
func (d *dumper) addPair(t *scalaTable[string], lists map[string][][2]int64, key string, a, b int64) {
	lists[key] = append([][2]int64{{a, b}}, lists[key]...)
	t.put(key, javafmt.StringHash(key))
}

// parseSnapshotName is Snapshots.parse for a "<offset>-<epoch>.checkpoint"
// name: the offset is the first 20 characters, the epoch characters 21 to
// 30, whatever is between or around them.
func parseSnapshotName(name string) (int64, int32, *JavaException) {
	n := javafmt.Len(name)
	if n < 20 {
		return 0, 0, jex(exStringIndex, "begin 0, end 20, length %d", n)
	}
	off, err := parseJavaLong(name[:20])
	if err != nil {
		return 0, 0, err
	}
	if n < 31 {
		return 0, 0, jex(exStringIndex, "begin 21, end 31, length %d", n)
	}
	epoch, ok := jopt.ParseInt(name[21:31])
	if !ok {
		return 0, 0, jex(exNumberFormat, "For input string: \"%s\"", name[21:31])
	}
	return off, epoch, nil
}

func (d *dumper) forEachRecord(b *fileBatch, fn func(*logRecord) *JavaException) *JavaException {
	full, err := b.loadFull()
	if err != nil {
		return err
	}
	if b.magic < 2 {
		return forEachLegacyRecord(full, d.env.Decompress, fn)
	}
	return forEachV2Record(full, d.env.Decompress, fn)
}

// printBatchLevel is DumpLogSegments.printBatchLevel.
func (d *dumper) printBatchLevel(b *fileBatch, position int) *JavaException {
	hb, err := b.loadHeader()
	if err != nil {
		return err
	}
	if b.magic < 2 {
		return d.printLegacyBatchLevel(b, hb, position)
	}
	h, err := parseV2Header(hb, b.offset)
	if err != nil {
		return err
	}
	d.printf("baseOffset: %d lastOffset: %d count: %d baseSequence: %d lastSequence: %d producerId: %d producerEpoch: %d "+
		"partitionLeaderEpoch: %d isTransactional: %t isControl: %t deleteHorizonMs: %s",
		b.offset, h.lastOffset, h.count, h.baseSequence, h.lastSequence, h.producerID, h.producerEpoch,
		h.partitionLeaderEpoch, h.isTransactional, h.isControl, h.deleteHorizon())
	codec, cerr := codecName(h.attributes & 0x07)
	if cerr != nil {
		return cerr
	}
	full, err := b.loadFull()
	if err != nil {
		return err
	}
	valid := v2IsValid(full)
	d.printf(" position: %d %s: %d size: %d magic: %d compresscodec: %s crc: %d isvalid: %t\n",
		position, h.timestampType(), h.maxTimestamp, b.sizeInBytes(), b.magic, codec, h.crc, valid)
	return nil
}

// printRecord prints one record line of a deep iteration.
func (d *dumper) printRecord(b *fileBatch, r *logRecord, printContents bool, parser messageParser, skipMeta bool) *JavaException {
	prefix := "| "
	control := false
	if b.magic >= 2 {
		h, _ := parseV2Header(b.full, b.offset)
		control = h.isControl
	}
	if !skipMeta {
		tsType := d.batchTimestampType(b)
		d.printf("%soffset: %d %s: %d keySize: %d valueSize: %d", prefix, r.offset, tsType, r.timestamp, r.keySize(), r.valueSize())
		prefix = " "
		if b.magic >= 2 {
			d.printf(" sequence: %d headerKeys: [%s]", r.sequence, strings.Join(r.headerKeys, ","))
		} else {
			d.printf(" isValid: %t crc: %d}", r.legacyValid, r.legacyCRC)
		}
		if control {
			s, err := controlRecordText(r)
			if err != nil {
				return err
			}
			d.printf("%s", s)
		}
	}
	if printContents && !control {
		key, payload, err := parser.parse(r)
		if err != nil {
			return err
		}
		if key != nil {
			d.printf("%skey: %s", prefix, *key)
		}
		if payload != nil {
			d.printf(" payload: %s", *payload)
		}
	}
	d.printf("\n")
	return nil
}

func (d *dumper) batchTimestampType(b *fileBatch) string {
	if b.magic < 2 {
		return legacyTimestampType(b.full[logOverhead:])
	}
	h, _ := parseV2Header(b.full, b.offset)
	return h.timestampType()
}
