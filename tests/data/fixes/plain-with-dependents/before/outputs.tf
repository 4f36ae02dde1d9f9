output "alice_arn" {
  value = aws_iam_user.alice.arn
}

output "bob_arn" {
  description = "Bob's ARN"
  value       = aws_iam_user.bob.arn
}

# The key's secret, for the onboarding script.
output "bob_secret" {
  value     = aws_iam_access_key.bob.secret
  sensitive = true
}
