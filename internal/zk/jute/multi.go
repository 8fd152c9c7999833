package jute

import (
	"errors"
	"fmt"
)

// ErrMultiOp is returned for an op type a multi may not contain.
var ErrMultiOp = errors.New("jute: invalid type of op in multi")

// MultiOp is one op of a multi or multiRead request.
type MultiOp struct {
	Type OpCode
	Op   Record // *CreateRequest, *CreateTTLRequest, *DeleteRequest, *SetDataRequest, *CheckVersionRequest, *GetChildrenRequest, *GetDataRequest
}

// MultiRequest is the body of multi (14) and multiRead (22): each op behind a
// MultiHeader{type, false, -1}, closed by MultiHeader{-1, true, -1}.
type MultiRequest struct {
	Ops []MultiOp
}

// NewMultiOpRecord returns an empty request record for a multi op type.
func NewMultiOpRecord(t OpCode) (Record, error) {
	switch t {
	case OpCreate, OpCreate2, OpCreateContainer:
		return &CreateRequest{}, nil
	case OpCreateTTL:
		return &CreateTTLRequest{}, nil
	case OpDelete, OpCheck:
		return &PathVersionRequest{}, nil
	case OpSetData:
		return &SetDataRequest{}, nil
	case OpGetChildren, OpGetData:
		return &PathWatchRequest{}, nil
	}
	return nil, fmt.Errorf("%w: %d", ErrMultiOp, t)
}

func (r *MultiRequest) Encode(e *Encoder) {
	for _, op := range r.Ops {
		(&MultiHeader{Type: op.Type, Err: -1}).Encode(e)
		op.Op.Encode(e)
	}
	(&MultiHeader{Type: -1, Done: true, Err: -1}).Encode(e)
}

func (r *MultiRequest) Decode(d *Decoder) {
	r.Ops = r.Ops[:0]
	for d.Err() == nil {
		var h MultiHeader
		h.Decode(d)
		if d.Err() != nil || h.Done {
			return
		}
		rec, err := NewMultiOpRecord(h.Type)
		if err != nil {
			d.Fail(err)
			return
		}
		rec.Decode(d)
		r.Ops = append(r.Ops, MultiOp{Type: h.Type, Op: rec})
	}
}

// MultiResult is one result of a multi response. Type is the op's result type
// (OpError for a failed or rolled-back op, with Err set).
type MultiResult struct {
	Type OpCode
	Err  int32
	Rec  Record // nil for delete and check
}

// MultiResponse is the body of a multi reply: each result behind a
// MultiHeader{type, false, err}, closed by MultiHeader{-1, true, -1}.
type MultiResponse struct {
	Results []MultiResult
}

func newMultiResultRecord(t OpCode) (Record, error) {
	switch t {
	case OpCreate:
		return &CreateResponse{}, nil
	case OpCreate2:
		return &Create2Response{}, nil
	case OpDelete, OpCheck:
		return nil, nil
	case OpSetData:
		return &SetDataResponse{}, nil
	case OpGetChildren:
		return &GetChildrenResponse{}, nil
	case OpGetData:
		return &GetDataResponse{}, nil
	case OpError:
		return &ErrorResponse{}, nil
	}
	return nil, fmt.Errorf("%w: result type %d", ErrMultiOp, t)
}

func (r *MultiResponse) Encode(e *Encoder) {
	for _, res := range r.Results {
		(&MultiHeader{Type: res.Type, Err: res.Err}).Encode(e)
		if res.Type == OpError {
			(&ErrorResponse{Err: res.Err}).Encode(e)
		} else if res.Rec != nil {
			res.Rec.Encode(e)
		}
	}
	(&MultiHeader{Type: -1, Done: true, Err: -1}).Encode(e)
}

func (r *MultiResponse) Decode(d *Decoder) {
	r.Results = r.Results[:0]
	for d.Err() == nil {
		var h MultiHeader
		h.Decode(d)
		if d.Err() != nil || h.Done {
			return
		}
		rec, err := newMultiResultRecord(h.Type)
		if err != nil {
			d.Fail(err)
			return
		}
		if rec != nil {
			rec.Decode(d)
		}
		res := MultiResult{Type: h.Type, Err: h.Err, Rec: rec}
		if er, ok := rec.(*ErrorResponse); ok {
			res.Err = er.Err
		}
		r.Results = append(r.Results, res)
	}
}
