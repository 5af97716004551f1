# JSON in and out with the core JSON::PP, keeping the key order of objects (see Fleet::OrderedHash).
package Fleet::Json;
use strict;
use warnings;
use JSON::PP ();
use Fleet::OrderedHash;

my $scalar = JSON::PP->new->utf8(0)->allow_nonref(1);
my $out = JSON::PP->new->utf8(1)->allow_nonref(1)->canonical(0);

# decode(characters) -> value; dies on bad JSON. Objects become ordered hashes.
sub decode {
  my ($text) = @_;
  my $pos = 0;
  my $value = _value(\$text, \$pos);
  _space(\$text, \$pos);
  die "trailing characters at offset $pos\n" if $pos < length $text;
  return $value;
}

sub encode { return $out->encode($_[0]) }

sub _space { my ($t, $p) = @_; pos($$t) = $$p; $$p = pos($$t) if $$t =~ /\G[ \t\r\n]*/gc }

sub _value {
  my ($t, $p) = @_;
  _space($t, $p);
  my $c = substr($$t, $$p, 1);
  die "unexpected end of input\n" if $c eq '';
  if ($c eq '{') {
    $$p++;
    my $h = Fleet::OrderedHash::ordered();
    _space($t, $p);
    if (substr($$t, $$p, 1) eq '}') { $$p++; return $h }
    for (;;) {
      _space($t, $p);
      die "expected a string key at offset $$p\n" unless substr($$t, $$p, 1) eq '"';
      my $key = _scalar($t, $p);
      _space($t, $p);
      die "expected ':' at offset $$p\n" unless substr($$t, $$p++, 1) eq ':';
      $h->{$key} = _value($t, $p);
      _space($t, $p);
      my $sep = substr($$t, $$p++, 1);
      return $h if $sep eq '}';
      die "expected ',' or '}' at offset $$p\n" unless $sep eq ',';
    }
  }
  if ($c eq '[') {
    $$p++;
    my @a;
    _space($t, $p);
    if (substr($$t, $$p, 1) eq ']') { $$p++; return \@a }
    for (;;) {
      push @a, _value($t, $p);
      _space($t, $p);
      my $sep = substr($$t, $$p++, 1);
      return \@a if $sep eq ']';
      die "expected ',' or ']' at offset $$p\n" unless $sep eq ',';
    }
  }
  return _scalar($t, $p);
}

# Strings, numbers, true/false/null: matched here, decoded by JSON::PP (which also rejects bad escapes).
sub _scalar {
  my ($t, $p) = @_;
  pos($$t) = $$p;
  $$t =~ /\G("(?:[^"\\\x00-\x1f]|\\.)*"|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?|true|false|null)/gc
    or die "unexpected character at offset $$p\n";
  $$p = pos($$t);
  return $scalar->decode($1);
}

1;
