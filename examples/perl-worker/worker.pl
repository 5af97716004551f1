#!/usr/bin/perl
# A codex fleet worker in Perl 5, core modules only, written from docs/protocol.md.
#
# One process, one read loop, no threads: every event a task waits for (a response to its own request,
# a model/delta, a $/cancelRequest) arrives on stdin, so each task is a small state machine driven by
# those messages and the loop never blocks on a task. It uses nothing the worker sandbox refuses: no
# processes, no sockets. Its library files live in lib/ beside it; the sandbox lets it read this folder
# because the folder is a package of its own (cpanfile) and the interpreter's core modules in
# /usr/share/perl because codex fleet knows where Perl keeps them.
#
#     codex fleet conformance --agent perl-worker --agents-dir examples/perl-worker/agents
use strict;
use warnings;
use B ();
use FindBin ();
use lib "$FindBin::RealBin/lib";
use Fleet::Json ();
use Fleet::OrderedHash ();

my $PROTOCOL_VERSION = '1.0';
my $MAX_LINE_BYTES = 16 * 1024 * 1024;
my %E = (
  PARSE => -32700, INVALID_REQUEST => -32600, METHOD_NOT_FOUND => -32601, INVALID_PARAMS => -32602,
  CANCELLED => -32001, NOT_INITIALIZED => -32002, TOO_LARGE => -32003, UNSUPPORTED_VERSION => -32004,
  SHUTTING_DOWN => -32005, TASK_FAILED => -32010, BUSY => -32011,
);

sub o { Fleet::OrderedHash::ordered(@_) }

$| = 1;
binmode STDOUT;
binmode STDIN;

sub send_message { print STDOUT Fleet::Json::encode($_[0]), "\n" }
sub error_response {
  my ($id, $code, $message, $data) = @_;
  my $error = o(code => $code, message => $message);
  $error->{data} = $data if defined $data;
  return o(jsonrpc => '2.0', id => $id, error => $error);
}
sub result_response { my ($id, $result) = @_; return o(jsonrpc => '2.0', id => $id, result => $result) }

# ---- requests to the supervisor ------------------------------------------------------------------

my $next_id = 0;
my %outgoing;    # id -> { on_result, on_error, on_delta }

sub call {
  my ($method, $params, %handlers) = @_;
  my $id = 'perl-' . ++$next_id;
  $outgoing{$id} = \%handlers;
  send_message(o(jsonrpc => '2.0', id => $id, method => $method, params => $params));
  return $id;
}
sub notify { send_message(o(jsonrpc => '2.0', method => $_[0], params => $_[1])) }

# ---- tasks ---------------------------------------------------------------------------------------

my $phase = 'new';    # new -> ready -> shut-down
my $task;             # the running task: { request_id, id, kind, input, waiting (our request id) }

sub finish_task {
  my ($response) = @_;
  send_message($response);
  undef $task;
}
sub task_output { my ($output) = @_; finish_task(result_response($task->{request_id}, o(output => $output))) }
sub task_failed {
  my ($message) = @_;
  finish_task(error_response($task->{request_id}, $E{TASK_FAILED}, "Task failed: $message", o(message => $message)));
}
sub progress {
  my ($message, $fraction) = @_;
  notify('task/progress', o(request_id => $task->{request_id}, task_id => $task->{id}, message => $message, fraction => $fraction));
}

# Each step sends one request; the response moves the task on. A service error fails the task.
sub task_call {
  my ($method, $params, $on_result, %more) = @_;
  $params->{task_id} = $task->{id};
  $task->{waiting} = call($method, $params, on_result => $on_result, on_error => sub {
    my ($error) = @_;
    finish_task(o(jsonrpc => '2.0', id => $task->{request_id}, error => $error));
  }, %more);
}

sub start_task {
  my ($request_id, $t) = @_;
  $task = { request_id => $request_id, id => $t->{id}, kind => $t->{kind}, input => $t->{input} };
  my ($kind, $input) = ($t->{kind}, $t->{input});
  if ($kind eq 'conformance.echo') { return task_output($input) }
  if ($kind eq 'conformance.block') { return }    # until $/cancelRequest
  if ($kind eq 'conformance.errors') {
    $task->{waiting} = call('exec/run', o(argv => $input->{argv}, task_id => $t->{id}),
      on_result => sub { task_output(o(code => undef)) },
      on_error  => sub { my ($e) = @_; task_output(o(code => $e->{code}, message => $e->{message})) });
    return;
  }
  if ($kind eq 'conformance.services') {
    notify('log', o(level => 'info', message => 'conformance: services task started', task_id => $t->{id}));
    progress('started', 0);
    my @deltas;
    task_call('model/complete', o(messages => [o(role => 'user', content => $input->{prompt})], stream => JSON::PP::true), sub {
      my ($final) = @_;
      progress('model replied', 0.5);
      task_call('exec/run', o(argv => $input->{argv}), sub {
        my ($ran) = @_;
        task_call('commit/request', o(message => $input->{commit}{message}, paths => $input->{commit}{paths}), sub {
          my ($committed) = @_;
          progress('done', 1);
          task_output(o(deltas => [@deltas], text => $final->{text}, usage => $final->{usage}, cost_usd => $final->{cost_usd},
            exec => o(exit_code => $ran->{exit_code}, stdout => $ran->{stdout}), sha => $committed->{sha}));
        });
      });
    }, on_delta => sub { push @deltas, $_[0]{text} });
    return;
  }
  task_failed("unknown task kind \"$kind\"");
}

sub cancel_task {
  return unless $task;
  if (defined $task->{waiting} && delete $outgoing{ $task->{waiting} }) {
    notify('$/cancelRequest', o(id => $task->{waiting}));
  }
  finish_task(error_response($task->{request_id}, $E{CANCELLED}, 'Request cancelled'));
}

# ---- validation ----------------------------------------------------------------------------------

sub is_object { ref $_[0] && (ref $_[0] eq 'HASH' || tied %{ $_[0] }) }
sub is_id { my ($v) = @_; defined $v && !ref $v && (JSON::PP::is_bool($v) ? 0 : 1) }
# A JSON string (not a number): decoded strings carry only the string flag.
sub is_string {
  my ($v) = @_;
  return 0 unless defined $v && !ref $v;
  my $flags = B::svref_2object(\$v)->FLAGS;
  return ($flags & B::SVp_POK) && !($flags & (B::SVp_IOK | B::SVp_NOK)) ? 1 : 0;
}

# Returns (path, message) of the first problem, or ().
sub check_members {
  my ($value, $path, $required, $optional) = @_;
  return ($path, 'Expected object') unless is_object($value);
  for my $key (@$required) { return ("$path/$key", 'Expected required property') unless exists $value->{$key} }
  my %known = map { $_ => 1 } @$required, @$optional;
  for my $key (keys %$value) { return ("$path/$key", 'Unexpected property') unless $known{$key} }
  return ();
}

sub check_params {
  my ($method, $p) = @_;
  if ($method eq 'initialize') {
    my @problem = check_members($p, '/params', [qw(protocol_version supervisor agent workspace limits capabilities)], ['plugin']);
    return @problem if @problem;
    return ('/params/protocol_version', 'Expected a string "MAJOR.MINOR"') unless is_string($p->{protocol_version}) && $p->{protocol_version} =~ /^\d+\.\d+$/;
    return ();
  }
  if ($method eq 'task/run') {
    my @problem = check_members($p, '/params', ['task'], []);
    return @problem if @problem;
    @problem = check_members($p->{task}, '/params/task', [qw(id kind input)], [qw(title workdir deadline_ms)]);
    return @problem if @problem;
    for my $key (qw(id kind)) {
      return ("/params/task/$key", 'Expected a non-empty string') unless is_string($p->{task}{$key}) && length $p->{task}{$key};
    }
    return ();
  }
  return check_members($p, '/params', [], []);    # shutdown
}

# ---- dispatch ------------------------------------------------------------------------------------

sub handle_request {
  my ($id, $method, $params) = @_;
  $params = o() unless defined $params;
  return result_response($id, o()) if $method eq 'ping';
  unless ($method =~ m{^(initialize|task/run|shutdown)$}) {
    return error_response($id, $E{METHOD_NOT_FOUND}, "Method not found: \"$method\"", o(method => $method));
  }
  my @problem = check_params($method, $params);
  if (@problem) {
    return error_response($id, $E{INVALID_PARAMS}, "Invalid params for \"$method\": $problem[0]: $problem[1]",
      o(path => $problem[0], message => $problem[1]));
  }
  if ($method eq 'initialize') {
    return error_response($id, $E{INVALID_REQUEST}, '"initialize" was already received') unless $phase eq 'new';
    my ($major) = split /\./, $params->{protocol_version};
    if ($major ne (split /\./, $PROTOCOL_VERSION)[0]) {
      return error_response($id, $E{UNSUPPORTED_VERSION},
        "Unsupported protocol version \"$params->{protocol_version}\": this worker speaks $PROTOCOL_VERSION", o(supported => [$PROTOCOL_VERSION]));
    }
    $phase = 'ready';
    return result_response($id, o(
      protocol_version => $PROTOCOL_VERSION,
      worker => o(name => 'perl-worker', version => '1.0.0', language => 'perl'),
      capabilities => o(concurrency => 1, cancellation => JSON::PP::true, conformance => JSON::PP::true)));
  }
  return error_response($id, $E{NOT_INITIALIZED}, 'Not initialized: send "initialize" first') if $phase eq 'new';
  return error_response($id, $E{SHUTTING_DOWN}, 'The worker is shutting down') if $phase ne 'ready';
  if ($method eq 'shutdown') {
    cancel_task();
    $phase = 'shut-down';
    return result_response($id, undef);
  }
  return error_response($id, $E{BUSY}, 'Busy: already running a task') if $task;
  start_task($id, $params->{task});
  return undef;    # answered by the task
}

sub handle_notification {
  my ($method, $params) = @_;
  exit($phase eq 'shut-down' ? 0 : 1) if $method eq 'exit';
  return unless is_object($params);
  if ($method eq '$/cancelRequest') {
    cancel_task() if $task && defined $params->{id} && $params->{id} eq $task->{request_id};
  } elsif ($method eq 'model/delta') {
    my $pending = defined $params->{request_id} ? $outgoing{ $params->{request_id} } : undef;
    $pending->{on_delta}->($params) if $pending && $pending->{on_delta} && is_string($params->{text});
  }
}

sub handle_response {
  my ($msg) = @_;
  return unless is_id($msg->{id});
  my $pending = delete $outgoing{ $msg->{id} } or return;    # unknown or cancelled: ignore
  if (exists $msg->{error} && is_object($msg->{error})) { $pending->{on_error}->($msg->{error}) }
  else { $pending->{on_result}->($msg->{result}) }
}

# Returns a response to send, or undef.
sub handle_one {
  my ($msg) = @_;
  return error_response(undef, $E{INVALID_REQUEST}, 'Invalid Request: a message must be an object', o(path => '')) unless is_object($msg);
  unless (exists $msg->{method}) {
    if (exists $msg->{result} || exists $msg->{error}) { handle_response($msg); return undef }
    return error_response(is_id($msg->{id}) ? $msg->{id} : undef, $E{INVALID_REQUEST}, 'Invalid Request: neither a request nor a response', o(path => ''));
  }
  my $has_id = exists $msg->{id};
  my $reply_id = $has_id && is_id($msg->{id}) ? $msg->{id} : undef;
  my @problem;
  if (!defined $msg->{jsonrpc} || ref $msg->{jsonrpc} || $msg->{jsonrpc} ne '2.0') { @problem = ('/jsonrpc', '"jsonrpc" must be "2.0"') }
  elsif (!is_string($msg->{method})) { @problem = ('/method', '"method" must be a string') }
  elsif ($has_id && !is_id($msg->{id})) { @problem = ('/id', '"id" must be a string or an integer') }
  elsif (exists $msg->{params} && !(is_object($msg->{params}) || ref $msg->{params} eq 'ARRAY')) { @problem = ('/params', '"params" must be an object or an array') }
  else {
    for my $key (keys %$msg) { @problem = ("/$key", 'unexpected member'), last unless $key =~ /^(jsonrpc|method|id|params)$/ }
  }
  return error_response($reply_id, $E{INVALID_REQUEST}, "Invalid Request: $problem[1]", o(path => $problem[0])) if @problem;
  return handle_request($msg->{id}, $msg->{method}, $msg->{params}) if $has_id;
  handle_notification($msg->{method}, $msg->{params});
  return undef;
}

sub handle_line {
  my ($bytes) = @_;
  my $msg = eval {
    utf8::decode($bytes) or die "invalid UTF-8\n";
    Fleet::Json::decode($bytes);
  };
  if ($@) {
    (my $why = $@) =~ s/\s+$//;
    return send_message(error_response(undef, $E{PARSE}, 'Parse error', o(message => substr($why, 0, 200))));
  }
  if (ref $msg eq 'ARRAY') {
    return send_message(error_response(undef, $E{INVALID_REQUEST}, 'Invalid Request: empty batch', o(path => ''))) unless @$msg;
    # A task/run in a batch is answered on its own line when it ends; everything else in the array.
    my @responses = grep { defined } map { handle_one($_) } @$msg;
    send_message(\@responses) if @responses;
    return;
  }
  my $response = handle_one($msg);
  send_message($response) if defined $response;
}

# ---- the read loop -------------------------------------------------------------------------------

my $buffer = '';
my $discarding = 0;
for (;;) {
  my $n = sysread(STDIN, my $chunk, 1 << 16);
  last unless $n;    # end of input (or an error): leave
  my $start = 0;
  for (;;) {
    my $nl = index($chunk, "\n", $start);
    if ($nl < 0) {
      unless ($discarding) {
        $buffer .= substr($chunk, $start);
        if (length $buffer > $MAX_LINE_BYTES) {
          $buffer = '';
          $discarding = 1;
          send_message(error_response(undef, $E{TOO_LARGE},
            "Message too large: a line passed the limit of $MAX_LINE_BYTES bytes and was discarded", o(limit => $MAX_LINE_BYTES)));
        }
      }
      last;
    }
    if ($discarding) {
      $discarding = 0;
    } else {
      $buffer .= substr($chunk, $start, $nl - $start);
      $buffer =~ s/\r$//;
      handle_line($buffer) if $buffer =~ /\S/;
      $buffer = '';
    }
    $start = $nl + 1;
  }
}
handle_line($buffer) if !$discarding && $buffer =~ /\S/;
exit($phase eq 'shut-down' ? 0 : 1);
