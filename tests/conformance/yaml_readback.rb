#!/usr/bin/env ruby
# frozen_string_literal: true

# Read YAML files back the way GitLab does (Ruby Psych, YAML 1.1), and print what it got.
#
# Usage: yaml_readback.rb FILE...        (run with $PIPELINE_TOOLS_DIR/bin/ruby)
#
# Each FILE is loaded with
#   Psych.safe_load(text, permitted_classes: [], permitted_symbols: [], aliases: false)
# and ONE line per FILE is printed, in order, in exactly the format of yaml_readback.py
# (see there): {"file":"<FILE>","document":<typed JSON>} or {"file":"<FILE>","error":"..."}.
#
# safe_load refuses a plain scalar that resolves to a Date or Time (e.g. a bare
# 2024-01-01) with Psych::DisallowedClass: GitLab rejects such a file the same way.
# That is reported as an error that names the file, and the offending scalars with
# their line numbers are added as "values":[{"line":N,"value":"2024-01-01","class":"Date"}].
# An alias (*name) is an error too (aliases: false).
#
# Exit status: 0 when every file loaded, 1 when any did not, 2 on usage errors.

require 'psych'
require 'json'
require 'date'
require 'base64'

def float_repr(f)
  return 'nan' if f.nan?
  return (f.positive? ? 'inf' : '-inf') if f.infinite?

  # Ruby writes 1.0e+20 where Python's repr writes 1e+20; otherwise they agree
  # (shortest round-trip digits, scientific below 1e-4 and from 1e16 up).
  f.to_s.sub(/\.0e/, 'e')
end

def typed(value)
  case value
  when String
    if value.encoding == Encoding::BINARY && !value.dup.force_encoding(Encoding::UTF_8).valid_encoding?
      { '$type' => 'binary', 'value' => Base64.strict_encode64(value) }
    elsif value.encoding == Encoding::BINARY
      value.dup.force_encoding(Encoding::UTF_8)
    else
      value
    end
  when true, false then { '$type' => 'bool', 'value' => value }
  when Integer then { '$type' => 'int', 'value' => value }
  when Float then { '$type' => 'float', 'value' => float_repr(value) }
  when nil then { '$type' => 'null', 'value' => nil }
  when Hash then value.each_with_object({}) { |(k, v), h| h[typed_key(k)] = typed(v) }
  when Array then value.map { |v| typed(v) }
  else raise TypeError, "unexpected loaded type #{value.class}: #{value.inspect}"
  end
end

def typed_key(key)
  if key.is_a?(String)
    s = typed(key)
    return s.start_with?('$') ? "$str:#{s}" : s if s.is_a?(String)
  end
  t = typed(key)
  return "$#{t['$type']}:#{JSON.generate(t['value'], quirks_mode: true)}" if t.is_a?(Hash) && t.key?('$type')

  "$complex:#{JSON.generate(t)}"
end

# Plain (unquoted, untagged) scalars that Psych would turn into a Date or Time.
def date_like_scalars(text)
  scanner = Psych::ScalarScanner.new(Psych::ClassLoader.new)
  found = []
  walk = lambda do |node|
    if node.is_a?(Psych::Nodes::Scalar) && node.plain && node.tag.nil?
      loaded = scanner.tokenize(node.value)
      if loaded.is_a?(Date) || loaded.is_a?(Time)
        found << { 'line' => node.start_line + 1, 'value' => node.value, 'class' => loaded.class.name }
      end
    end
    (node.children || []).each { |c| walk.call(c) }
  end
  walk.call(Psych.parse_stream(text))
  found
rescue StandardError
  found
end

if ARGV.empty? || %w[-h --help].include?(ARGV[0])
  warn File.read(__FILE__).lines.drop(3).take_while { |l| l.start_with?('#') }.map { |l| l.sub(/^# ?/, '') }.join
  exit 2
end

failed = false
ARGV.each do |filename|
  out = { 'file' => filename }
  begin
    text = File.read(filename, encoding: 'UTF-8')
    doc = Psych.safe_load(text, permitted_classes: [], permitted_symbols: [], aliases: false, filename: filename)
    out['document'] = typed(doc)
  rescue Psych::DisallowedClass => e
    failed = true
    out['error'] = "#{e.class}: #{e.message}"
    values = date_like_scalars(text)
    unless values.empty?
      out['error'] += ' (' + values.map { |v| "line #{v['line']}: #{v['value']} loads as #{v['class']}" }.join('; ') + ')'
      out['values'] = values
    end
  rescue StandardError, Psych::Exception => e
    failed = true
    out['error'] = "#{e.class}: #{e.message}".tr("\n", ' ')
  end
  warn "yaml_readback.rb: #{filename}: #{out['error']}" if out.key?('error')
  puts JSON.generate(out)
end
exit(failed ? 1 : 0)
