package client

import (
	"context"
	"strconv"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// Server errors come back as jute.Code values (jute.NoNode, ...); requests
// refused before sending as *ArgumentError or ErrNoACL; a cancelled ctx as
// ctx.Err(). A path in a request is a client path: the chroot is added on the
// way out and removed from paths in replies and events.

// ConfigNode is where the ensemble's dynamic configuration lives.
const ConfigNode = "/zookeeper/config"

// MaxTTL is the largest TTL a znode can have, in milliseconds.
const MaxTTL int64 = 0xFFFFFFFFFF

// do sends one request and converts the reply code into an error.
func (c *Client) do(ctx context.Context, r *request) error {
	code, err := c.call(ctx, r)
	if err != nil {
		return err
	}
	if code != jute.OK {
		return code
	}
	return nil
}

func checkACL(acl []jute.ACL) error {
	if len(acl) == 0 {
		return ErrNoACL
	}
	return nil
}

// ValidateTTL checks a TTL for a create mode (EphemeralType.validateTTL);
// ttl < 0 means none.
func ValidateTTL(mode CreateMode, ttl int64) error {
	if mode.TTL() {
		if ttl <= 0 || ttl > MaxTTL {
			return argErr("ttl must be positive and cannot be larger than: " + strconv.FormatInt(MaxTTL, 10))
		}
	} else if ttl >= 0 {
		return argErr("ttl not valid for mode: " + mode.String())
	}
	return nil
}

func checkCreate(path string, acl []jute.ACL, mode CreateMode, ttl int64) error {
	if !mode.Valid() {
		return argErr("Received an invalid flag value: " + strconv.Itoa(int(mode)) + " to convert to a CreateMode")
	}
	if err := ValidatePath(path, mode.Sequential()); err != nil {
		return err
	}
	if err := ValidateTTL(mode, ttl); err != nil {
		return err
	}
	return checkACL(acl)
}

// stripCreated removes the chroot from a created path, as Java does.
func (c *Client) stripCreated(p string) string {
	if c.chroot != "" && len(p) >= len(c.chroot) {
		return p[len(c.chroot):]
	}
	return p
}

// Create makes a znode (op create, or createContainer) and returns its path,
// which carries the sequence suffix for sequential modes. TTL modes need
// CreateTTL.
func (c *Client) Create(ctx context.Context, path string, data []byte, acl []jute.ACL, mode CreateMode) (string, error) {
	if err := checkCreate(path, acl, mode, -1); err != nil {
		return "", err
	}
	op := jute.OpCreate
	if mode.Container() {
		op = jute.OpCreateContainer
	}
	var resp jute.Create2Response
	var presp jute.CreateResponse
	r := &request{op: op, body: &jute.CreateRequest{Path: c.serverPath(path), Data: data, ACL: acl, Flags: int32(mode)}, resp: &presp}
	if mode.Container() {
		r.resp = &resp
	}
	if err := c.do(ctx, r); err != nil {
		return "", err
	}
	if mode.Container() {
		return c.stripCreated(resp.Path), nil
	}
	return c.stripCreated(presp.Path), nil
}

// CreateTTL makes a znode and returns its path and Stat (op create2,
// createContainer or createTTL). ttl is in milliseconds and is required for
// the TTL modes; pass -1 otherwise.
func (c *Client) CreateTTL(ctx context.Context, path string, data []byte, acl []jute.ACL, mode CreateMode, ttl int64) (string, jute.Stat, error) {
	if err := checkCreate(path, acl, mode, ttl); err != nil {
		return "", jute.Stat{}, err
	}
	var resp jute.Create2Response
	r := &request{resp: &resp}
	sp := c.serverPath(path)
	switch {
	case mode.TTL():
		r.op, r.body = jute.OpCreateTTL, &jute.CreateTTLRequest{Path: sp, Data: data, ACL: acl, Flags: int32(mode), TTL: ttl}
	case mode.Container():
		r.op, r.body = jute.OpCreateContainer, &jute.CreateRequest{Path: sp, Data: data, ACL: acl, Flags: int32(mode)}
	default:
		r.op, r.body = jute.OpCreate2, &jute.CreateRequest{Path: sp, Data: data, ACL: acl, Flags: int32(mode)}
	}
	if err := c.do(ctx, r); err != nil {
		return "", jute.Stat{}, err
	}
	return c.stripCreated(resp.Path), resp.Stat, nil
}

// Delete removes a znode if version matches (-1: any).
func (c *Client) Delete(ctx context.Context, path string, version int32) error {
	if err := ValidatePath(path, false); err != nil {
		return err
	}
	sp := c.serverPath(path)
	if path == "/" {
		sp = path // the root can never be deleted, chroot or not
	}
	return c.do(ctx, &request{op: jute.OpDelete, body: &jute.DeleteRequest{Path: sp, Version: version}})
}

// Exists returns the znode's Stat, or nil if there is none. A watcher w
// (nil: none) is registered either way: a data watch if the node exists, an
// exist watch if not.
func (c *Client) Exists(ctx context.Context, path string, w *Watcher) (*jute.Stat, error) {
	if err := ValidatePath(path, false); err != nil {
		return nil, err
	}
	var resp jute.ExistsResponse
	r := &request{op: jute.OpExists, body: &jute.ExistsRequest{Path: c.serverPath(path), Watch: w != nil}, resp: &resp}
	if w != nil {
		r.reg = &watchReg{w: w, path: path, exists: true}
	}
	if err := c.do(ctx, r); err != nil {
		if err == jute.NoNode {
			return nil, nil
		}
		return nil, err
	}
	if resp.Stat.Czxid == -1 {
		return nil, nil
	}
	return &resp.Stat, nil
}

// Get returns a znode's data and Stat, setting a data watch if w != nil.
func (c *Client) Get(ctx context.Context, path string, w *Watcher) ([]byte, jute.Stat, error) {
	if err := ValidatePath(path, false); err != nil {
		return nil, jute.Stat{}, err
	}
	return c.getData(ctx, path, c.serverPath(path), w)
}

// GetConfig returns the ensemble configuration (/zookeeper/config, never
// under the chroot), setting a data watch on it if w != nil.
func (c *Client) GetConfig(ctx context.Context, w *Watcher) ([]byte, jute.Stat, error) {
	return c.getData(ctx, ConfigNode, ConfigNode, w)
}

func (c *Client) getData(ctx context.Context, path, serverPath string, w *Watcher) ([]byte, jute.Stat, error) {
	var resp jute.GetDataResponse
	r := &request{op: jute.OpGetData, body: &jute.GetDataRequest{Path: serverPath, Watch: w != nil}, resp: &resp}
	if w != nil {
		r.reg = &watchReg{w: w, path: path, kind: kindData}
	}
	if err := c.do(ctx, r); err != nil {
		return nil, jute.Stat{}, err
	}
	return resp.Data, resp.Stat, nil
}

// Set replaces a znode's data if version matches (-1: any).
func (c *Client) Set(ctx context.Context, path string, data []byte, version int32) (jute.Stat, error) {
	if err := ValidatePath(path, false); err != nil {
		return jute.Stat{}, err
	}
	var resp jute.SetDataResponse
	err := c.do(ctx, &request{op: jute.OpSetData, body: &jute.SetDataRequest{Path: c.serverPath(path), Data: data, Version: version}, resp: &resp})
	return resp.Stat, err
}

// GetACL returns a znode's ACL and Stat.
func (c *Client) GetACL(ctx context.Context, path string) ([]jute.ACL, jute.Stat, error) {
	if err := ValidatePath(path, false); err != nil {
		return nil, jute.Stat{}, err
	}
	var resp jute.GetACLResponse
	err := c.do(ctx, &request{op: jute.OpGetACL, body: &jute.GetACLRequest{Path: c.serverPath(path)}, resp: &resp})
	return resp.ACL, resp.Stat, err
}

// SetACL replaces a znode's ACL if version (the aversion) matches (-1: any).
func (c *Client) SetACL(ctx context.Context, path string, acl []jute.ACL, version int32) (jute.Stat, error) {
	if err := ValidatePath(path, false); err != nil {
		return jute.Stat{}, err
	}
	if err := checkACL(acl); err != nil {
		return jute.Stat{}, err
	}
	var resp jute.SetACLResponse
	err := c.do(ctx, &request{op: jute.OpSetACL, body: &jute.SetACLRequest{Path: c.serverPath(path), ACL: acl, Version: version}, resp: &resp})
	return resp.Stat, err
}

// Children lists a znode's children (op getChildren), setting a child watch
// if w != nil. The order is the server's.
func (c *Client) Children(ctx context.Context, path string, w *Watcher) ([]string, error) {
	if err := ValidatePath(path, false); err != nil {
		return nil, err
	}
	var resp jute.GetChildrenResponse
	r := &request{op: jute.OpGetChildren, body: &jute.GetChildrenRequest{Path: c.serverPath(path), Watch: w != nil}, resp: &resp}
	if w != nil {
		r.reg = &watchReg{w: w, path: path, kind: kindChild}
	}
	err := c.do(ctx, r)
	return resp.Strings, err
}

// Children2 lists a znode's children with its Stat (op getChildren2).
func (c *Client) Children2(ctx context.Context, path string, w *Watcher) ([]string, jute.Stat, error) {
	if err := ValidatePath(path, false); err != nil {
		return nil, jute.Stat{}, err
	}
	var resp jute.GetChildren2Response
	r := &request{op: jute.OpGetChildren2, body: &jute.GetChildren2Request{Path: c.serverPath(path), Watch: w != nil}, resp: &resp}
	if w != nil {
		r.reg = &watchReg{w: w, path: path, kind: kindChild}
	}
	err := c.do(ctx, r)
	return resp.Children, resp.Stat, err
}

// AllChildrenNumber counts the znodes below path, recursively.
func (c *Client) AllChildrenNumber(ctx context.Context, path string) (int32, error) {
	if err := ValidatePath(path, false); err != nil {
		return 0, err
	}
	var resp jute.GetAllChildrenNumberResponse
	err := c.do(ctx, &request{op: jute.OpGetAllChildrenNumber, body: &jute.GetAllChildrenNumberRequest{Path: c.serverPath(path)}, resp: &resp})
	return resp.Value, err
}

// Ephemerals lists this session's ephemeral znodes whose path starts with
// prefix ("/" for all). Like Java's client it sends the prefix and returns
// the paths without chroot handling: they are server paths.
func (c *Client) Ephemerals(ctx context.Context, prefix string) ([]string, error) {
	if err := ValidatePath(prefix, false); err != nil {
		return nil, err
	}
	var resp jute.GetEphemeralsResponse
	err := c.do(ctx, &request{op: jute.OpGetEphemerals, body: &jute.GetEphemeralsRequest{Path: prefix}, resp: &resp})
	return resp.Strings, err
}

// Sync waits until the server this client talks to has caught up with the
// leader as of the call.
func (c *Client) Sync(ctx context.Context, path string) error {
	if err := ValidatePath(path, false); err != nil {
		return err
	}
	var resp jute.SyncResponse
	return c.do(ctx, &request{op: jute.OpSync, body: &jute.SyncRequest{Path: c.serverPath(path)}, resp: &resp})
}

// AddWatch sets a persistent watch on path, or on path and every descendant
// (AddWatchPersistentRecursive). It stays until removed.
func (c *Client) AddWatch(ctx context.Context, path string, w *Watcher, mode AddWatchMode) error {
	if err := ValidatePath(path, false); err != nil {
		return err
	}
	if w == nil {
		return argErr("Invalid Watcher, shouldn't be null!")
	}
	kind := kindPersistent
	switch mode {
	case AddWatchPersistent:
	case AddWatchPersistentRecursive:
		kind = kindRecursive
	default:
		return argErr("Mode not supported: " + strconv.Itoa(int(mode)))
	}
	var resp jute.ErrorResponse
	return c.do(ctx, &request{op: jute.OpAddWatch, body: &jute.AddWatchRequest{Path: c.serverPath(path), Type: int32(mode)},
		resp: &resp, reg: &watchReg{w: w, path: path, kind: kind}})
}

// RemoveWatches removes the watches of type t on path: those of w, or every
// watcher's if w is nil (Java's removeWatches / removeAllWatches). It fails
// with NoWatcher if the client holds no such watch; with local set, the
// watches are removed here even when the server cannot be reached. Each
// removed watcher gets a *WatchRemoved event.
func (c *Client) RemoveWatches(ctx context.Context, path string, w *Watcher, t WatcherType, local bool) error {
	if err := ValidatePath(path, false); err != nil {
		return err
	}
	op := jute.OpRemoveWatches
	if w != nil {
		op = jute.OpCheckWatches
	}
	return c.do(ctx, &request{op: op, body: &jute.RemoveWatchesRequest{Path: c.serverPath(path), Type: int32(t)},
		unreg: &watchUnreg{path: path, w: w, typ: t, local: local}})
}

// WhoAmI lists the identities the server has for this connection.
func (c *Client) WhoAmI(ctx context.Context) ([]jute.ClientInfo, error) {
	var resp jute.WhoAmIResponse
	err := c.do(ctx, &request{op: jute.OpWhoAmI, resp: &resp})
	return resp.ClientInfo, err
}

// reconfigRequest is ReconfigRequest with Java's null strings: an empty
// field is sent as null, which the server reads as "not given".
type reconfigRequest struct{ jute.ReconfigRequest }

func nullableString(e *jute.Encoder, s string) {
	if s == "" {
		e.Int(-1)
		return
	}
	e.String(s)
}

func (r *reconfigRequest) Encode(e *jute.Encoder) {
	nullableString(e, r.JoiningServers)
	nullableString(e, r.LeavingServers)
	nullableString(e, r.NewMembers)
	e.Long(r.CurConfigID)
}

// Reconfig changes the ensemble's membership: incrementally (joining,
// leaving: comma-separated server specs and ids) or wholesale (members).
// fromConfig is the config version it applies to (-1: any). It returns the
// new configuration and the Stat of /zookeeper/config.
func (c *Client) Reconfig(ctx context.Context, joining, leaving, members string, fromConfig int64) ([]byte, jute.Stat, error) {
	var resp jute.GetDataResponse
	req := &reconfigRequest{jute.ReconfigRequest{JoiningServers: joining, LeavingServers: leaving, NewMembers: members, CurConfigID: fromConfig}}
	err := c.do(ctx, &request{op: jute.OpReconfig, body: req, resp: &resp})
	return resp.Data, resp.Stat, err
}

// AddAuth adds credentials to the connection and waits for the server's
// verdict. They are re-sent on every reconnect. A refusal (jute.AuthFailed)
// ends the client: its state becomes StateAuthFailed.
func (c *Client) AddAuth(ctx context.Context, scheme string, auth []byte) error {
	r := c.queueAuth(scheme, auth)
	if r == nil {
		return jute.AuthFailed
	}
	return c.do(ctx, r)
}

// QueueAuth adds credentials without waiting for the verdict, as Java's
// addAuthInfo does; a refusal arrives as an AuthFailed session event.
func (c *Client) QueueAuth(scheme string, auth []byte) {
	if r := c.queueAuth(scheme, auth); r != nil {
		c.enqueue(r)
	}
}

// queueAuth records the credentials and returns the packet to send, or nil
// if the client is dead (Java ignores the call then).
func (c *Client) queueAuth(scheme string, auth []byte) *request {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.state.Alive() {
		return nil
	}
	c.auths = append(c.auths, authData{scheme: scheme, auth: auth})
	return &request{xid: jute.XidAuth, op: jute.OpAuth, body: &jute.AuthPacket{Scheme: scheme, Auth: auth}}
}
