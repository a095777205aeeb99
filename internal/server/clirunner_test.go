package server_test

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// cliDriverScript runs AWS CLI commands one after another in one Python process, with the AWS CLI's own driver
// (awscli.clidriver: what the aws command runs, argument parsing, serialization, error and output formatting
// included). Each line on stdin is {"args": [...], "env": {...}}: the process environment becomes exactly env (and
// the AWS_DATA_PATH that importing awscli sets, as in the aws command), a new
// driver (and so a new botocore session, reading credentials and configuration afresh) runs the command with stdout
// and stderr captured, and one line {"stdout": ..., "stderr": ..., "rc": N} goes to file descriptor 3, where
// nothing the CLI writes can mix with it. rc is what the aws command would exit with.
const cliDriverScript = `
import contextlib, io, json, os, sys, traceback
from awscli.clidriver import create_clidriver
# Importing awscli points botocore at the CLI's own data (AWS_DATA_PATH), as it does in the aws command.
base = {k: os.environ[k] for k in ("AWS_DATA_PATH",) if k in os.environ}
answers = os.fdopen(3, "w")
for line in sys.stdin:
    req = json.loads(line)
    os.environ.clear()
    os.environ.update(base)
    os.environ.update(req["env"])
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = create_clidriver().main(req["args"])
        except SystemExit as e:
            rc = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except BaseException:
            traceback.print_exc()
            rc = 1
    answers.write(json.dumps({"stdout": out.getvalue(), "stderr": err.getvalue(), "rc": rc or 0}) + "\n")
    answers.flush()
`

// cliDriver is one Python process running cliDriverScript.
type cliDriver struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	answers *bufio.Reader
	files   []*os.File // the answers pipe: closed with the process
}

// cliDrivers are the idle drivers of the test binary. A test takes one (or starts one when none is idle: parallel
// tests each get their own) and gives it back; a driver that timed out is killed instead. When the test binary
// exits, the drivers' stdin closes and they end.
var cliDrivers = struct {
	mu   sync.Mutex
	idle []*cliDriver
	// usable records once whether awscli is importable by python3 (the aws command may be another installation).
	usable func() (string, bool)
}{usable: sync.OnceValues(func() (string, bool) {
	bin, err := exec.LookPath("python3")
	if err != nil {
		return "", false
	}
	return bin, exec.Command(bin, "-c", "import awscli.clidriver").Run() == nil
})}

func startCLIDriver(python string) (*cliDriver, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(python, "-c", cliDriverScript)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr // nothing is expected here; shown if the driver itself fails
	cmd.ExtraFiles = []*os.File{w}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return nil, err
	}
	w.Close() // the child holds its own copy
	return &cliDriver{cmd: cmd, stdin: stdin, answers: bufio.NewReader(r), files: []*os.File{r}}, nil
}

func (d *cliDriver) kill() {
	d.cmd.Process.Kill()
	d.stdin.Close()
	d.cmd.Wait()
	for _, f := range d.files {
		f.Close()
	}
}

// runCLIInProcess runs one AWS CLI command in an idle driver with exactly the environment env; ok is false when no
// driver can run (python3 cannot import awscli), for the caller to start the aws command instead.
func runCLIInProcess(t testing.TB, env, args []string) (stdout, stderr string, code int, ok bool) {
	t.Helper()
	python, usable := cliDrivers.usable()
	if !usable {
		return "", "", 0, false
	}
	cliDrivers.mu.Lock()
	var d *cliDriver
	if n := len(cliDrivers.idle); n > 0 {
		d, cliDrivers.idle = cliDrivers.idle[n-1], cliDrivers.idle[:n-1]
	}
	cliDrivers.mu.Unlock()
	if d == nil {
		var err error
		if d, err = startCLIDriver(python); err != nil {
			t.Fatalf("starting the AWS CLI driver: %v", err)
		}
	}
	envMap := make(map[string]string, len(env))
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		envMap[k] = v // later entries win, as in exec.Cmd.Env
	}
	req, err := json.Marshal(map[string]any{"args": args, "env": envMap})
	if err != nil {
		t.Fatal(err)
	}
	type answer struct {
		Stdout, Stderr string
		RC             int
	}
	done := make(chan error, 1)
	var ans answer
	go func() {
		if _, err := d.stdin.Write(append(req, '\n')); err != nil {
			done <- err
			return
		}
		line, err := d.answers.ReadBytes('\n')
		if err == nil {
			err = json.Unmarshal(line, &ans)
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			d.kill()
			t.Fatalf("AWS CLI driver: %v", err)
		}
	case <-time.After(60 * time.Second):
		d.kill()
		<-done
		t.Fatalf("aws %s: no answer within 60s", strings.Join(args, " "))
	}
	cliDrivers.mu.Lock()
	cliDrivers.idle = append(cliDrivers.idle, d)
	cliDrivers.mu.Unlock()
	return ans.Stdout, ans.Stderr, ans.RC, true
}

// TestCLIDriverAnswersAsTheAWSCommand: a command run in a CLI driver prints the same stdout and stderr and exits
// with the same code as the aws command run as a process: a result, a service error, an error of the CLI's own
// argument parsing, and a call with temporary credentials from the environment.
func TestCLIDriverAnswersAsTheAWSCommand(t *testing.T) {
	needRealClient(t, "aws")
	if _, ok := cliDrivers.usable(); !ok {
		t.Skip("python3 cannot import awscli: the tests start the aws command")
	}
	s := sharedServer(t, "cli_test.go")
	inProcess, process := *s, *s
	process.cliProcess = true
	var sc sessionCreds
	if err := json.Unmarshal([]byte(mustCLIOut(t, &inProcess, "sts", "get-session-token")), &struct{ Credentials *sessionCreds }{&sc}); err != nil || sc.SessionToken == "" {
		t.Fatalf("get-session-token: %v %+v", err, sc)
	}
	for _, tc := range []struct {
		name string
		env  []string
		args []string
	}{
		{"result", nil, []string{"iam", "list-users", "--path-prefix", "/nobody-here/"}},
		{"service-error", nil, []string{"iam", "get-user", "--user-name", "nobody"}},
		{"argument-error", nil, []string{"iam", "get-user", "--no-such-option"}},
		{"session-credentials", []string{"AWS_SESSION_TOKEN=" + sc.SessionToken}, []string{"sts", "get-caller-identity"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := rootCreds
			if tc.env != nil {
				c = sc.creds()
			}
			o1, e1, x1 := inProcess.awsCLIEnv(t, c, tc.env, tc.args...)
			o2, e2, x2 := process.awsCLIEnv(t, c, tc.env, tc.args...)
			if o1 != o2 || e1 != e2 || x1 != x2 {
				t.Fatalf("driver: exit %d\n%s%s\naws command: exit %d\n%s%s", x1, o1, e1, x2, o2, e2)
			}
		})
	}
}

// mustCLIOut runs the AWS CLI as root and returns its stdout, failing the test on a non-zero exit.
func mustCLIOut(t *testing.T, s *testServer, args ...string) string {
	t.Helper()
	out, errOut, code := s.awsCLI(t, rootCreds, args...)
	if code != 0 {
		t.Fatalf("aws %s: exit %d\n%s", strings.Join(args, " "), code, errOut)
	}
	return out
}
