# A hash that remembers the order its keys were added in (core Tie::Hash only). JSON::PP writes a tied
# hash's keys in the order the tie gives them, so objects leave the worker as they came in.
package Fleet::OrderedHash;
use strict;
use warnings;
use parent -norequire, 'Tie::Hash';
require Tie::Hash;

sub TIEHASH  { return bless { keys => [], values => {} }, shift }
sub STORE    { my ($self, $k, $v) = @_; push @{ $self->{keys} }, $k unless exists $self->{values}{$k}; $self->{values}{$k} = $v }
sub FETCH    { $_[0]{values}{ $_[1] } }
sub EXISTS   { exists $_[0]{values}{ $_[1] } }
sub DELETE   { my ($self, $k) = @_; @{ $self->{keys} } = grep { $_ ne $k } @{ $self->{keys} }; delete $self->{values}{$k} }
sub CLEAR    { my $self = shift; $self->{keys} = []; $self->{values} = {} }
sub FIRSTKEY { my $self = shift; $self->{at} = 0; $self->{keys}[0] }
sub NEXTKEY  { my $self = shift; $self->{keys}[ ++$self->{at} ] }
sub SCALAR   { scalar @{ $_[0]{keys} } }

# ordered(k1 => v1, k2 => v2, ...): a new ordered hash reference.
sub ordered {
  tie my %h, __PACKAGE__;
  while (@_) { my $k = shift; $h{$k} = shift }
  return \%h;
}

1;
