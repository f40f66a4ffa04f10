from django import forms

# Long enough for a question, short enough to keep a search cheap.
QUERY_MAX_LENGTH = 200


class GuidanceSearchForm(forms.Form):
    q = forms.CharField(
        label="Search guidance",
        max_length=QUERY_MAX_LENGTH,
        strip=True,
        error_messages={
            "required": "Enter a word or a question to search for.",
            "max_length": f"Enter at most {QUERY_MAX_LENGTH} characters.",
        },
    )
