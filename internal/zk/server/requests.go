package server

import "github.com/wharf-project/wharf/internal/zk/jute"

// opKind says where a request is served.
type opKind uint8

const (
	kindInvalid opKind = iota // answered Unimplemented, then the connection closes
	kindRead                  // served from the committed tree
	kindWrite                 // prepared into a txn, persisted, applied
	kindBarrier               // no txn, but ordered behind every earlier write (sync)
	kindPing
	kindAuth
	kindSASL // answered at once, as a server with no SASL configured does
)

type opInfo struct {
	kind opKind
	body func() jute.Record // nil: no body
}

func newCreate() jute.Record      { return &jute.CreateRequest{} }
func newPath() jute.Record        { return &jute.PathRequest{} }
func newPathWatch() jute.Record   { return &jute.PathWatchRequest{} }
func newPathVersion() jute.Record { return &jute.PathVersionRequest{} }
func newPathType() jute.Record    { return &jute.PathTypeRequest{} }
func newMulti() jute.Record       { return &jute.MultiRequest{} }
func newSetWatches() jute.Record  { return &jute.SetWatches{} }
func newSetWatches2() jute.Record { return &jute.SetWatches{V2: true} }
func newSetData() jute.Record     { return &jute.SetDataRequest{} }
func newSetACL() jute.Record      { return &jute.SetACLRequest{} }
func newCreateTTL() jute.Record   { return &jute.CreateTTLRequest{} }
func newReconfig() jute.Record    { return &jute.ReconfigRequest{} }
func newAuth() jute.Record        { return &jute.AuthPacket{} }
func newSASL() jute.Record        { return &jute.SASLToken{} }

// ops is Request.isValid plus how each valid opcode is decoded and served.
// check (13) and notification (0) are not valid top-level requests.
var ops = map[jute.OpCode]opInfo{
	jute.OpCreate:               {kindWrite, newCreate},
	jute.OpCreate2:              {kindWrite, newCreate},
	jute.OpCreateContainer:      {kindWrite, newCreate},
	jute.OpCreateTTL:            {kindWrite, newCreateTTL},
	jute.OpDelete:               {kindWrite, newPathVersion},
	jute.OpDeleteContainer:      {kindWrite, newPath},
	jute.OpSetData:              {kindWrite, newSetData},
	jute.OpSetACL:               {kindWrite, newSetACL},
	jute.OpMulti:                {kindWrite, newMulti},
	jute.OpReconfig:             {kindWrite, newReconfig},
	jute.OpCloseSession:         {kindWrite, nil},
	jute.OpExists:               {kindRead, newPathWatch},
	jute.OpGetData:              {kindRead, newPathWatch},
	jute.OpGetACL:               {kindRead, newPath},
	jute.OpGetChildren:          {kindRead, newPathWatch},
	jute.OpGetChildren2:         {kindRead, newPathWatch},
	jute.OpGetAllChildrenNumber: {kindRead, newPath},
	jute.OpGetEphemerals:        {kindRead, newPath},
	jute.OpMultiRead:            {kindRead, newMulti},
	jute.OpSetWatches:           {kindRead, newSetWatches},
	jute.OpSetWatches2:          {kindRead, newSetWatches2},
	jute.OpCheckWatches:         {kindRead, newPathType},
	jute.OpRemoveWatches:        {kindRead, newPathType},
	jute.OpAddWatch:             {kindRead, newPathType},
	jute.OpWhoAmI:               {kindRead, nil},
	jute.OpSync:                 {kindBarrier, newPath},
	jute.OpPing:                 {kindPing, nil},
	jute.OpAuth:                 {kindAuth, newAuth},
	jute.OpSASL:                 {kindSASL, newSASL},
}

// lastOp is the short name ServerCnxn keeps for `cons` (FinalRequestProcessor's lastOp).
var lastOpNames = map[jute.OpCode]string{
	jute.OpPing: "PING", jute.OpCreateSession: "SESS", jute.OpMulti: "MULT", jute.OpMultiRead: "MLTR",
	jute.OpCreate: "CREA", jute.OpCreate2: "CREA", jute.OpCreateTTL: "CREA", jute.OpCreateContainer: "CREA",
	jute.OpDelete: "DELE", jute.OpDeleteContainer: "DELE", jute.OpSetData: "SETD", jute.OpReconfig: "RECO",
	jute.OpSetACL: "SETA", jute.OpCloseSession: "CLOS", jute.OpSync: "SYNC", jute.OpCheck: "CHEC",
	jute.OpExists: "EXIS", jute.OpGetData: "GETD", jute.OpSetWatches: "SETW", jute.OpSetWatches2: "STW2",
	jute.OpAddWatch: "ADDW", jute.OpGetACL: "GETA", jute.OpGetChildren: "GETC", jute.OpGetChildren2: "GETC",
	jute.OpGetAllChildrenNumber: "GETACN", jute.OpCheckWatches: "CHKW", jute.OpRemoveWatches: "REMW",
	jute.OpWhoAmI: "HOMI", jute.OpGetEphemerals: "GETE",
}

func lastOpName(op jute.OpCode) string {
	if n, ok := lastOpNames[op]; ok {
		return n
	}
	return "NA"
}
